package org.fcgate.gateway.config;

/**
 * How static files are sent.
 *
 * @param sendfile          use zero-copy {@code DefaultFileRegion} when nothing (TLS, gzip) has to touch the bytes
 * @param gzipMinFileBytes  smaller compressible files go out as they are
 * @param gzipMaxFileBytes  larger compressible files go out as they are (they are gzipped in memory)
 */
public record StaticOptions(boolean sendfile, long gzipMinFileBytes, long gzipMaxFileBytes) {

    public StaticOptions {
        if (gzipMinFileBytes < 0 || gzipMaxFileBytes < gzipMinFileBytes) {
            throw new IllegalArgumentException("gzip file size bounds (" + gzipMinFileBytes + ", "
                    + gzipMaxFileBytes + ") must satisfy 0 <= min <= max");
        }
    }

    public static StaticOptions defaults() {
        return new StaticOptions(GatewayDefaults.SENDFILE, GatewayDefaults.GZIP_MIN_FILE_BYTES,
                GatewayDefaults.GZIP_MAX_FILE_BYTES);
    }

    public StaticOptions withSendfile(boolean on) {
        return new StaticOptions(on, gzipMinFileBytes, gzipMaxFileBytes);
    }
}
