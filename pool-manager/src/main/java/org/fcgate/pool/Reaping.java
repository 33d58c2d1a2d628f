package org.fcgate.pool;

import java.time.Duration;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.fcgate.pool.supervise.CrashLoopGuard;
import org.fcgate.pool.supervise.ExitStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accounts for a reaped child (php-fpm {@code fpm_children_bury}): an exit the pool asked for (STOPPING) counts
 * under the reason it was stopped for; a clean exit after serving is {@link ExitReason#EXITED}; anything else is
 * a {@link ExitReason#CRASH}, logged at WARN and fed to the {@link CrashLoopGuard}. A failed start
 * ({@link ExitReason#SPAWN_FAILED}) is fed to the guard when the pool decides it ({@link #recordFailure}),
 * not at the exit: otherwise a replacement could be spawned while the failed child is still being stopped,
 * before its failure counts. Guarded by the pool's lock.
 */
final class Reaping {
    private static final Logger log = LoggerFactory.getLogger(Reaping.class);

    private final PoolConfig config;
    private final Scoreboard board;
    private final CrashLoopGuard crashGuard;

    Reaping(PoolConfig config, Scoreboard board, CrashLoopGuard crashGuard) {
        this.config = config;
        this.board = board;
        this.crashGuard = crashGuard;
    }

    /** Classifies, counts and logs the exit of {@code slot} (already removed from the scoreboard). */
    ExitReason bury(ChildSlot slot, ExitStatus status, long now) {
        ChildState was = slot.state;
        ExitReason reason;
        if (was == ChildState.STOPPING) {
            reason = slot.stopReason;
        } else if (status.isCleanExit() && was != ChildState.STARTING && slot.lease == null) {
            reason = ExitReason.EXITED;
        } else {
            reason = ExitReason.CRASH;
        }
        board.countExit(reason);
        long age = (now - slot.startNanos) / 1_000_000;
        if (reason == ExitReason.CRASH || reason == ExitReason.SPAWN_FAILED) {
            log.warn("[pool {}] child {} {} while {} after {} ms, {} requests", config.name(), slot.pid, status,
                    was, age, slot.requests);
            if (reason == ExitReason.CRASH) {
                recordFailure(now);
            }
        } else {
            log.info("[pool {}] child {} {} ({}) after {} ms, {} requests", config.name(), slot.pid, status,
                    reason, age, slot.requests);
        }
        return reason;
    }

    /** One failure for the crash-loop guard; logs when it trips. */
    void recordFailure(long now) {
        Duration backoff = crashGuard.recordFailure(now);
        if (!backoff.isZero()) {
            log.error("[pool {}] {} child failures within {}: pool degraded, respawning in {}", config.name(),
                    config.crashThreshold(), config.crashWindow(), backoff);
        }
    }
}
