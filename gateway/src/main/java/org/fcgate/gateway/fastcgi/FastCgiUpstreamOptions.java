package org.fcgate.gateway.fastcgi;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.gateway.cgi.CgiOptions;
import org.fcgate.gateway.config.GatewayDefaults;

/**
 * How one FastCGI upstream forwards requests; every default is a named constant here (docs/gateway.md,
 * "Forwarding").
 *
 * @param connectTimeout        connecting to the backend (refused → 502 at once, no answer within it → 504)
 * @param readTimeout           silence from the backend while a request runs → 504; zero turns it off (a managed
 *                              pool's {@code request_timeout} still applies)
 * @param requestBufferMemory   request body bytes kept in memory before spilling to a temp file
 * @param streamRequestBody     send a body of known length to the backend as it arrives instead of buffering it
 *                              first (a slow upload then holds the child)
 * @param bufferResponse        keep reading the backend when the client is slower, so the child is released as soon
 *                              as it is done; off: read the backend only as fast as the client takes it (the header
 *                              {@code X-Accel-Buffering: no} turns it off for one response)
 * @param responseBufferMemory  response bytes in flight to the client before further ones go to a temp file
 * @param responseBufferFileMax most bytes one response may park in its temp file; past it, reading the backend waits
 *                              for the client
 * @param tempDirectory         where request and response temp files go (created 0600 and unlinked at once)
 * @param limits                PARAMS size (431 past it) and response head size (502 past it)
 * @param cgi                   the CGI environment
 * @param stderrLinesPerSecond  backend STDERR lines logged per second per upstream; the rest are counted
 * @param stderrLineMaxBytes    a longer STDERR line is cut, with a marker
 */
public record FastCgiUpstreamOptions(Duration connectTimeout, Duration readTimeout, long requestBufferMemory,
                                     boolean streamRequestBody, boolean bufferResponse, long responseBufferMemory,
                                     long responseBufferFileMax, Path tempDirectory, FcgiLimits limits,
                                     CgiOptions cgi, int stderrLinesPerSecond, int stderrLineMaxBytes) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = GatewayDefaults.POOL_CONNECT_TIMEOUT;
    public static final Duration DEFAULT_READ_TIMEOUT = GatewayDefaults.POOL_READ_TIMEOUT;
    public static final long DEFAULT_REQUEST_BUFFER_MEMORY = 128 * 1024;
    public static final boolean DEFAULT_STREAM_REQUEST_BODY = false;
    public static final boolean DEFAULT_BUFFER_RESPONSE = true;
    public static final long DEFAULT_RESPONSE_BUFFER_MEMORY = 256 * 1024;
    public static final long DEFAULT_RESPONSE_BUFFER_FILE_MAX = 1024L * 1024 * 1024;
    public static final int DEFAULT_STDERR_LINES_PER_SECOND = 100;
    public static final int DEFAULT_STDERR_LINE_MAX_BYTES = 8192;

    public FastCgiUpstreamOptions {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(tempDirectory, "tempDirectory");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(cgi, "cgi");
        if (connectTimeout.isZero() || connectTimeout.isNegative()) {
            throw new IllegalArgumentException("connect timeout (" + connectTimeout + ") must be positive");
        }
        if (readTimeout.isNegative()) {
            throw new IllegalArgumentException("read timeout (" + readTimeout + ") must not be negative");
        }
        if (requestBufferMemory < 0 || responseBufferMemory < 1 || responseBufferFileMax < 0) {
            throw new IllegalArgumentException("buffer sizes must not be negative (response memory at least 1)");
        }
        if (stderrLinesPerSecond < 1 || stderrLineMaxBytes < 64) {
            throw new IllegalArgumentException("stderr rate must be >= 1 line/s and line max >= 64 bytes");
        }
    }

    public static FastCgiUpstreamOptions defaults() {
        return new FastCgiUpstreamOptions(DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_REQUEST_BUFFER_MEMORY,
                DEFAULT_STREAM_REQUEST_BODY, DEFAULT_BUFFER_RESPONSE, DEFAULT_RESPONSE_BUFFER_MEMORY,
                DEFAULT_RESPONSE_BUFFER_FILE_MAX, Path.of(System.getProperty("java.io.tmpdir")), FcgiLimits.DEFAULTS,
                CgiOptions.defaults(), DEFAULT_STDERR_LINES_PER_SECOND, DEFAULT_STDERR_LINE_MAX_BYTES);
    }

    public FastCgiUpstreamOptions withConnectTimeout(Duration d) {
        return new FastCgiUpstreamOptions(d, readTimeout, requestBufferMemory, streamRequestBody, bufferResponse,
                responseBufferMemory, responseBufferFileMax, tempDirectory, limits, cgi, stderrLinesPerSecond,
                stderrLineMaxBytes);
    }

    public FastCgiUpstreamOptions withReadTimeout(Duration d) {
        return new FastCgiUpstreamOptions(connectTimeout, d, requestBufferMemory, streamRequestBody, bufferResponse,
                responseBufferMemory, responseBufferFileMax, tempDirectory, limits, cgi, stderrLinesPerSecond,
                stderrLineMaxBytes);
    }

    public FastCgiUpstreamOptions withRequestBufferMemory(long bytes) {
        return new FastCgiUpstreamOptions(connectTimeout, readTimeout, bytes, streamRequestBody, bufferResponse,
                responseBufferMemory, responseBufferFileMax, tempDirectory, limits, cgi, stderrLinesPerSecond,
                stderrLineMaxBytes);
    }

    public FastCgiUpstreamOptions withStreamRequestBody(boolean on) {
        return new FastCgiUpstreamOptions(connectTimeout, readTimeout, requestBufferMemory, on, bufferResponse,
                responseBufferMemory, responseBufferFileMax, tempDirectory, limits, cgi, stderrLinesPerSecond,
                stderrLineMaxBytes);
    }

    public FastCgiUpstreamOptions withBufferResponse(boolean on) {
        return new FastCgiUpstreamOptions(connectTimeout, readTimeout, requestBufferMemory, streamRequestBody, on,
                responseBufferMemory, responseBufferFileMax, tempDirectory, limits, cgi, stderrLinesPerSecond,
                stderrLineMaxBytes);
    }

    public FastCgiUpstreamOptions withResponseBufferMemory(long bytes) {
        return new FastCgiUpstreamOptions(connectTimeout, readTimeout, requestBufferMemory, streamRequestBody,
                bufferResponse, bytes, responseBufferFileMax, tempDirectory, limits, cgi, stderrLinesPerSecond,
                stderrLineMaxBytes);
    }

    public FastCgiUpstreamOptions withTempDirectory(Path dir) {
        return new FastCgiUpstreamOptions(connectTimeout, readTimeout, requestBufferMemory, streamRequestBody,
                bufferResponse, responseBufferMemory, responseBufferFileMax, dir, limits, cgi, stderrLinesPerSecond,
                stderrLineMaxBytes);
    }

    public FastCgiUpstreamOptions withLimits(FcgiLimits l) {
        return new FastCgiUpstreamOptions(connectTimeout, readTimeout, requestBufferMemory, streamRequestBody,
                bufferResponse, responseBufferMemory, responseBufferFileMax, tempDirectory, l, cgi,
                stderrLinesPerSecond, stderrLineMaxBytes);
    }

    public FastCgiUpstreamOptions withCgi(CgiOptions c) {
        return new FastCgiUpstreamOptions(connectTimeout, readTimeout, requestBufferMemory, streamRequestBody,
                bufferResponse, responseBufferMemory, responseBufferFileMax, tempDirectory, limits, c,
                stderrLinesPerSecond, stderrLineMaxBytes);
    }
}
