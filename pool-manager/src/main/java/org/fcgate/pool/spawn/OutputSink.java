package org.fcgate.pool.spawn;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where sanitized child output lines go. The default logs at INFO on logger {@code org.fcgate.pool.child}. */
@FunctionalInterface
public interface OutputSink {

    /** @param line already sanitized (no control characters) and at most {@code log_line_max} bytes plus a marker */
    void line(String pool, long pid, String line);

    static OutputSink logging() {
        Logger log = LoggerFactory.getLogger("org.fcgate.pool.child");
        return (pool, pid, line) -> log.info("[pool {}] child {} said: {}", pool, pid, line);
    }
}
