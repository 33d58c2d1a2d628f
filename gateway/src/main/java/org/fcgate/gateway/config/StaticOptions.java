package org.fcgate.gateway.config;

import java.time.Duration;

/**
 * How static files are sent.
 *
 * @param sendfile          use zero-copy {@code DefaultFileRegion} when nothing (TLS, gzip) has to touch the bytes
 * @param gzipMinFileBytes  smaller compressible files go out as they are
 * @param gzipMaxFileBytes  larger compressible files go out as they are (they are gzipped in memory)
 * @param openFileCacheValid how long a resolved path (and a small file's bytes) is reused; zero: no cache
 * @param openFileCacheMax   paths cached per document root, and files prepared per site
 */
public record StaticOptions(boolean sendfile, long gzipMinFileBytes, long gzipMaxFileBytes,
                            Duration openFileCacheValid, int openFileCacheMax) {

    public StaticOptions {
        if (gzipMinFileBytes < 0 || gzipMaxFileBytes < gzipMinFileBytes) {
            throw new IllegalArgumentException("gzip file size bounds (" + gzipMinFileBytes + ", "
                    + gzipMaxFileBytes + ") must satisfy 0 <= min <= max");
        }
        if (openFileCacheValid.isNegative() || openFileCacheMax < 1) {
            throw new IllegalArgumentException("open file cache: valid " + openFileCacheValid + " must not be"
                    + " negative and max " + openFileCacheMax + " must be at least 1");
        }
    }

    /** With the default open file cache. */
    public StaticOptions(boolean sendfile, long gzipMinFileBytes, long gzipMaxFileBytes) {
        this(sendfile, gzipMinFileBytes, gzipMaxFileBytes, GatewayDefaults.OPEN_FILE_CACHE_VALID,
                GatewayDefaults.OPEN_FILE_CACHE_MAX);
    }

    public static StaticOptions defaults() {
        return new StaticOptions(GatewayDefaults.SENDFILE, GatewayDefaults.GZIP_MIN_FILE_BYTES,
                GatewayDefaults.GZIP_MAX_FILE_BYTES);
    }

    public StaticOptions withSendfile(boolean on) {
        return new StaticOptions(on, gzipMinFileBytes, gzipMaxFileBytes, openFileCacheValid, openFileCacheMax);
    }

    public StaticOptions withOpenFileCache(Duration valid, int max) {
        return new StaticOptions(sendfile, gzipMinFileBytes, gzipMaxFileBytes, valid, max);
    }

    public boolean openFileCacheOn() {
        return !openFileCacheValid.isZero();
    }
}
