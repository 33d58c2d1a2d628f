package org.fcgate.gateway.config;

/**
 * Size limits of an HTTP/1.x request, validated on construction.
 *
 * @param maxRequestLineBytes request line without CRLF; past it 414
 * @param maxHeaderBytes      header section (and trailer section) with CRLFs; past it 431
 * @param maxHeaderCount      header lines (and trailer lines); past it 431
 * @param maxBodyBytes        request body; past it 413
 * @param maxChunkLineBytes   one chunk-size line with extensions; past it 400
 */
public record HttpLimits(int maxRequestLineBytes, int maxHeaderBytes, int maxHeaderCount, long maxBodyBytes,
                         int maxChunkLineBytes) {

    public HttpLimits {
        requireAtLeast("maxRequestLineBytes", maxRequestLineBytes, 16);
        requireAtLeast("maxHeaderBytes", maxHeaderBytes, 64);
        requireAtLeast("maxHeaderCount", maxHeaderCount, 1);
        requireAtLeast("maxBodyBytes", maxBodyBytes, 0);
        requireAtLeast("maxChunkLineBytes", maxChunkLineBytes, 16);
    }

    public static HttpLimits defaults() {
        return new HttpLimits(GatewayDefaults.MAX_REQUEST_LINE_BYTES, GatewayDefaults.MAX_HEADER_BYTES,
                GatewayDefaults.MAX_HEADER_COUNT, GatewayDefaults.MAX_BODY_BYTES, GatewayDefaults.MAX_CHUNK_LINE_BYTES);
    }

    public HttpLimits withMaxBodyBytes(long bytes) {
        return new HttpLimits(maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, bytes, maxChunkLineBytes);
    }

    private static void requireAtLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " (" + value + ") must be at least " + min);
        }
    }
}
