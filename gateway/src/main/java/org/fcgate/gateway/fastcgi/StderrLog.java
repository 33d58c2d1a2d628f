package org.fcgate.gateway.fastcgi;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.fcgate.pool.spawn.LineSanitizer;
import org.fcgate.pool.spawn.LogRateLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request's FCGI_STDERR stream as log lines (nginx "FastCGI sent in stderr"): split at LF, each line cut at the
 * configured length with a marker, CR/LF/ESC/NUL and other control bytes escaped ({@link LineSanitizer}, R49), tagged
 * with upstream, pid and URI, and rate-limited per upstream with a count of what was dropped.
 */
final class StderrLog {

    private static final Logger LOG = LoggerFactory.getLogger("org.fcgate.gateway.fastcgi.stderr");

    private final String upstream;
    private final LogRateLimiter limiter;
    private final int maxLine;
    private final String uri;
    private long pid;
    private ByteArrayOutputStream line;
    private long cut;

    StderrLog(String upstream, LogRateLimiter limiter, int maxLine, String uri) {
        this.upstream = upstream;
        this.limiter = limiter;
        this.maxLine = maxLine;
        this.uri = uri;
    }

    void pid(long pid) {
        this.pid = pid;
    }

    void feed(ByteBuffer chunk) {
        while (chunk.hasRemaining()) {
            byte b = chunk.get();
            if (b == '\n') {
                emit();
                continue;
            }
            if (line == null) {
                line = new ByteArrayOutputStream(128);
            }
            if (line.size() < maxLine) {
                line.write(b);
            } else {
                cut++;
            }
        }
    }

    /** The stream ended: log what is left of the last line. */
    void flush() {
        if (line != null && line.size() > 0) {
            emit();
        }
    }

    private void emit() {
        byte[] bytes = line == null ? new byte[0] : line.toByteArray();
        long truncated = cut;
        line = null;
        cut = 0;
        long dropped = limiter.tryAcquire(System.nanoTime());
        if (dropped < 0) {
            return;
        }
        if (dropped > 0) {
            LOG.warn("[upstream {}] {} stderr lines suppressed (rate limit)", upstream, dropped);
        }
        String text = LineSanitizer.sanitize(bytes) + (truncated > 0 ? " ... [truncated " + truncated + " bytes]" : "");
        // The URI is the raw request target: visible ASCII only, checked by the HTTP parser.
        LOG.warn("[upstream {}] pid={} uri={} stderr: {}", upstream, pid, uri, text);
    }
}
