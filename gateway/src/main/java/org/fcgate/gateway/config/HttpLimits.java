package org.fcgate.gateway.config;

/**
 * Limits of HTTP/1.x connections and requests, validated on construction.
 *
 * @param maxRequestLineBytes request line without CRLF; past it 414
 * @param maxHeaderBytes      header section (and trailer section) with CRLFs; past it 431
 * @param maxHeaderCount      header lines (and trailer lines); past it 431
 * @param maxBodyBytes        request body; past it 413
 * @param maxChunkLineBytes   one chunk-size line with extensions; past it 400
 * @param maxConnectionsPerIp connections open at once from one client IP; more are closed at accept; 0: unlimited
 */
public record HttpLimits(int maxRequestLineBytes, int maxHeaderBytes, int maxHeaderCount, long maxBodyBytes,
                         int maxChunkLineBytes, int maxConnectionsPerIp) {

    /** Request limits, with the default per-IP connection cap. */
    public HttpLimits(int maxRequestLineBytes, int maxHeaderBytes, int maxHeaderCount, long maxBodyBytes,
                      int maxChunkLineBytes) {
        this(maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, maxChunkLineBytes,
                GatewayDefaults.MAX_CONNECTIONS_PER_IP);
    }

    public HttpLimits {
        requireAtLeast("maxRequestLineBytes", maxRequestLineBytes, 16);
        requireAtLeast("maxHeaderBytes", maxHeaderBytes, 64);
        requireAtLeast("maxHeaderCount", maxHeaderCount, 1);
        requireAtLeast("maxBodyBytes", maxBodyBytes, 0);
        requireAtLeast("maxChunkLineBytes", maxChunkLineBytes, 16);
        requireAtLeast("maxConnectionsPerIp", maxConnectionsPerIp, 0);
    }

    public static HttpLimits defaults() {
        return new HttpLimits(GatewayDefaults.MAX_REQUEST_LINE_BYTES, GatewayDefaults.MAX_HEADER_BYTES,
                GatewayDefaults.MAX_HEADER_COUNT, GatewayDefaults.MAX_BODY_BYTES, GatewayDefaults.MAX_CHUNK_LINE_BYTES);
    }

    public HttpLimits withMaxBodyBytes(long bytes) {
        return new HttpLimits(maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, bytes, maxChunkLineBytes,
                maxConnectionsPerIp);
    }

    public HttpLimits withMaxHeaderCount(int count) {
        return new HttpLimits(maxRequestLineBytes, maxHeaderBytes, count, maxBodyBytes, maxChunkLineBytes,
                maxConnectionsPerIp);
    }

    public HttpLimits withMaxConnectionsPerIp(int n) {
        return new HttpLimits(maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, maxChunkLineBytes,
                n);
    }

    private static void requireAtLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " (" + value + ") must be at least " + min);
        }
    }
}
