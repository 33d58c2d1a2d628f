package org.fcgate.pool;

import java.time.Duration;
import java.util.function.LongSupplier;

/** Monotonic nanoseconds that move only when a test says so. */
final class ManualClock implements LongSupplier {
    private long now = 1_000_000_000L;

    @Override
    public long getAsLong() {
        return now;
    }

    long advance(Duration d) {
        now += d.toNanos();
        return now;
    }
}
