package org.fcgate.pool.spawn;

import java.util.function.LongSupplier;
import jnr.posix.POSIX;

/**
 * Reads one child's stdout+stderr pipe on a thread of its own until EOF, line by line: each line sanitized
 * ({@link LineSanitizer}), cut at {@code log_line_max} with a marker ({@link LineAssembler}), rate-limited per
 * pool ({@link LogRateLimiter}) with a count of what was dropped, and handed to the {@link OutputSink}.
 */
final class OutputPump {
    private OutputPump() {
    }

    static void start(POSIX posix, int readFd, String pool, long pid, int maxLine, LogRateLimiter limiter,
                      LongSupplier clock, OutputSink sink) {
        LineAssembler assembler = new LineAssembler(maxLine, line -> {
            long dropped = limiter.tryAcquire(clock.getAsLong());
            if (dropped < 0) {
                return;
            }
            if (dropped > 0) {
                sink.line(pool, pid, "(" + dropped + " lines of child output suppressed by the rate limit)");
            }
            String text = LineSanitizer.sanitize(line.bytes());
            if (line.droppedBytes() > 0) {
                text = text + " ... [truncated " + line.droppedBytes() + " bytes]";
            }
            sink.line(pool, pid, text);
        });
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                while (true) {
                    int n = posix.read(readFd, buf, buf.length);
                    if (n < 0 && posix.errno() == 4 /* EINTR */) {
                        continue;
                    }
                    if (n <= 0) {
                        break;
                    }
                    assembler.feed(buf, 0, n);
                }
                assembler.finish();
            } finally {
                posix.close(readFd);
            }
        }, "fcgate-output-" + pool + "-" + pid);
        t.setDaemon(true);
        t.start();
    }
}
