package org.fcgate.pool.spawn;

/**
 * Token bucket for child output lines: {@code perSecond} lines a second with a burst of one second's worth.
 * Thread-safe (a pool's children share one). Time is a parameter.
 */
public final class LogRateLimiter {
    private final int perSecond;
    private double tokens;
    private long last;
    private long suppressed;

    public LogRateLimiter(int perSecond, long nowNanos) {
        this.perSecond = perSecond;
        this.tokens = perSecond;
        this.last = nowNanos;
    }

    /**
     * Returns -1 if the line must be dropped; otherwise the number of lines dropped since the last line let
     * through (usually 0), which the caller reports before logging this one.
     */
    public synchronized long tryAcquire(long nowNanos) {
        tokens = Math.min(perSecond, tokens + (nowNanos - last) * perSecond / 1e9);
        last = nowNanos;
        if (tokens < 1) {
            suppressed++;
            return -1;
        }
        tokens -= 1;
        long s = suppressed;
        suppressed = 0;
        return s;
    }

    /** Lines dropped and not yet reported. */
    public synchronized long suppressed() {
        return suppressed;
    }
}
