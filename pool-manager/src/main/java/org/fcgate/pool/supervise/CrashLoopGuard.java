package org.fcgate.pool.supervise;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * Decides when a pool stops respawning after repeated failures, like php-fpm's
 * {@code emergency_restart_threshold}/{@code emergency_restart_interval} but backing off instead of
 * restarting the master: {@code threshold} failures within {@code window} trip the guard, which then
 * blocks spawning for {@code initial}, doubling on each further trip up to {@code max}. A window without
 * failures resets the doubling. Time is a parameter; not thread-safe (the pool's lock guards it).
 */
public final class CrashLoopGuard {
    private final int threshold;
    private final long windowNanos;
    private final long initialNanos;
    private final long maxNanos;
    private final ArrayDeque<Long> failures = new ArrayDeque<>();
    private int trips;
    private long blockedUntil;
    private boolean degraded;
    private long lastFailure;

    public CrashLoopGuard(int threshold, Duration window, Duration initial, Duration max) {
        this.threshold = threshold;
        this.windowNanos = window.toNanos();
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
    }

    /** Records one failure; returns the backoff now in force, or {@link Duration#ZERO} if not tripped. */
    public Duration recordFailure(long nowNanos) {
        if (trips > 0 && nowNanos - lastFailure > windowNanos + currentBackoff()) {
            trips = 0;
        }
        lastFailure = nowNanos;
        failures.addLast(nowNanos);
        while (!failures.isEmpty() && nowNanos - failures.peekFirst() > windowNanos) {
            failures.removeFirst();
        }
        if (failures.size() < threshold) {
            return Duration.ZERO;
        }
        failures.clear();
        trips++;
        degraded = true;
        long backoff = currentBackoff();
        blockedUntil = nowNanos + backoff;
        return Duration.ofNanos(backoff);
    }

    /** A child became ready: the pool is no longer degraded (the doubling stays until a quiet window). */
    public void recordSuccess() {
        degraded = false;
    }

    public boolean maySpawn(long nowNanos) {
        return nowNanos - blockedUntil >= 0;
    }

    /** When spawning is allowed again (meaningful only while {@link #maySpawn} is false). */
    public long blockedUntil() {
        return blockedUntil;
    }

    public boolean degraded() {
        return degraded;
    }

    private long currentBackoff() {
        long b = initialNanos;
        for (int i = 1; i < trips && b < maxNanos; i++) {
            b = b * 2;
        }
        return Math.min(b, maxNanos);
    }
}
