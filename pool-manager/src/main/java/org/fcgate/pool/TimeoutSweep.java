package org.fcgate.pool;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.status.ExitReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the children whose deadline passed (php-fpm {@code fpm_pctl_check_request_timeout}): a request past
 * {@code request_timeout}, a start past {@code spawn_timeout}, a SIGTERM without exit past {@code kill_grace}.
 * {@link #find} only reads the scoreboard; {@link #run} acts on what it found: a timed-out request is revoked
 * ({@link Revocation#TIMED_OUT}) and its child stopped, a slow start is stopped, a lingering child gets SIGKILL.
 */
final class TimeoutSweep {
    private static final Logger log = LoggerFactory.getLogger(TimeoutSweep.class);

    /**
     * @param requestTimedOut BUSY children whose request ran past {@code request_timeout}
     * @param spawnTimedOut   STARTING children not ready within {@code spawn_timeout}
     * @param killDue         STOPPING children still alive {@code kill_grace} after SIGTERM
     * @param next            the earliest deadline not yet passed ({@link Long#MAX_VALUE} if none)
     */
    record Expired(List<ChildSlot> requestTimedOut, List<ChildSlot> spawnTimedOut, List<ChildSlot> killDue,
                   long next) {
    }

    private final PoolConfig config;
    private final ChildControl control;
    private final Reaping reaping;
    private final long requestTimeout;
    private final long spawnTimeout;

    TimeoutSweep(PoolConfig config, ChildControl control, Reaping reaping) {
        this.config = config;
        this.control = control;
        this.reaping = reaping;
        this.requestTimeout = config.requestTimeout().toNanos();
        this.spawnTimeout = config.spawnTimeout().toNanos();
    }

    /** Acts on every passed deadline; returns the next one ({@link Long#MAX_VALUE} if none). */
    long run(Collection<ChildSlot> children, long now, List<Runnable> after) {
        Expired expired = find(children, now);
        long next = expired.next();
        for (ChildSlot s : expired.requestTimedOut()) {
            log.warn("[pool {}] child {}, request '{}' execution timed out ({} ms), terminating", config.name(),
                    s.pid, s.lease.uri(), config.requestTimeout().toMillis());
            control.revoke(s, Revocation.TIMED_OUT, after);
            control.stop(s, ExitReason.TIMEOUT, now, after);
            next = untilKill(s, next);
        }
        for (ChildSlot s : expired.spawnTimedOut()) {
            log.warn("[pool {}] child {} not ready after {} ms, terminating", config.name(), s.pid,
                    config.spawnTimeout().toMillis());
            control.stop(s, ExitReason.SPAWN_FAILED, now, after);
            reaping.recordFailure(now);
            next = untilKill(s, next);
        }
        for (ChildSlot s : expired.killDue()) {
            control.killAfterGrace(s, after);
        }
        return next;
    }

    Expired find(Collection<ChildSlot> children, long now) {
        List<ChildSlot> request = new ArrayList<>();
        List<ChildSlot> spawn = new ArrayList<>();
        List<ChildSlot> kill = new ArrayList<>();
        long next = Long.MAX_VALUE;
        for (ChildSlot s : children) {
            switch (s.state) {
                case BUSY -> {
                    if (requestTimeout > 0 && s.lease != null) {
                        next = check(s, s.leaseStartNanos + requestTimeout, now, request, next);
                    }
                }
                case STARTING -> next = check(s, s.startNanos + spawnTimeout, now, spawn, next);
                case STOPPING -> {
                    if (!s.killSent) {
                        next = check(s, s.killAtNanos, now, kill, next);
                    }
                }
                case IDLE -> { }
            }
        }
        return new Expired(request, spawn, kill, next);
    }

    /** Adds {@code s} to {@code expired} if {@code end} passed; returns the earliest pending deadline. */
    private static long check(ChildSlot s, long end, long now, List<ChildSlot> expired, long next) {
        if (now - end >= 0) {
            expired.add(s);
            return next;
        }
        return Math.min(next, end);
    }

    private static long untilKill(ChildSlot s, long next) {
        return s.killSent ? next : Math.min(next, s.killAtNanos);
    }
}
