package org.fcgate.pool;

import java.util.List;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.spawn.ChildLauncher;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.fcgate.pool.supervise.Signal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's own kills (php-fpm {@code fpm_process_ctl}): a stopped child is marked STOPPING with the reason,
 * so its exit is counted under that reason and never "respawned" as a crash. Stop = SIGTERM, SIGKILL after
 * {@code kill_grace} (at once when the grace is zero); kill = SIGKILL at once. Signals are deferred to
 * {@code after}, run outside the pool lock. Guarded by the pool's lock.
 */
final class ChildControl {
    private static final Logger log = LoggerFactory.getLogger(ChildControl.class);

    private final PoolConfig config;
    private final ChildLauncher launcher;
    private final Dispatch dispatch;

    ChildControl(PoolConfig config, ChildLauncher launcher, Dispatch dispatch) {
        this.config = config;
        this.launcher = launcher;
        this.dispatch = dispatch;
    }

    /** SIGTERM now, SIGKILL after {@code kill_grace}; a child already stopping keeps its first reason. */
    void stop(ChildSlot slot, ExitReason reason, long now, List<Runnable> after) {
        if (!markStopping(slot, reason, after)) {
            return;
        }
        if (config.killGrace().isZero()) {
            sigkill(slot, after);
        } else {
            slot.killAtNanos = now + config.killGrace().toNanos();
            long id = slot.id;
            after.add(() -> launcher.signal(id, Signal.TERM));
        }
        log.debug("[pool {}] stopping child {} ({})", config.name(), slot.pid, reason);
    }

    /** SIGKILL at once, no grace: for a child that must not run one more instruction (hard RSS limit). */
    void kill(ChildSlot slot, ExitReason reason, List<Runnable> after) {
        boolean marked = markStopping(slot, reason, after);
        if (marked || !slot.killSent) {
            sigkill(slot, after);
        }
    }

    /** The grace after SIGTERM ran out. */
    void killAfterGrace(ChildSlot slot, List<Runnable> after) {
        log.warn("[pool {}] child {} still alive {} ms after SIGTERM, sent SIGKILL", config.name(), slot.pid,
                config.killGrace().toMillis());
        sigkill(slot, after);
    }

    /** Takes the child back from its lease holder, who learns {@code why} from {@link Lease#revoked()}. */
    void revoke(ChildSlot slot, Revocation why, List<Runnable> after) {
        Lease lease = slot.lease;
        slot.lease = null;
        lease.wasRevoked = true;
        lease.finished = true;
        after.add(() -> lease.completeRevocation(why));
        revokeAhead(slot, after);
    }

    /**
     * The lease written ahead on {@code slot}, if any, will never run there: {@link Revocation#NOT_STARTED}, so its
     * holder asks again. One its holder abandoned is just forgotten (its bytes go with the connection).
     */
    static void revokeAhead(ChildSlot slot, List<Runnable> after) {
        Lease ahead = slot.ahead;
        if (ahead == null) {
            return;
        }
        slot.ahead = null;
        ahead.pendingAhead = false;
        if (ahead.finished) {
            return;
        }
        ahead.wasRevoked = true;
        ahead.finished = true;
        after.add(() -> ahead.completeRevocation(Revocation.NOT_STARTED));
    }

    /** Closes (outside the lock) what a lease holder kept open to {@code slot}, if anything. */
    static void close(ChildSlot slot, List<Runnable> after) {
        ChildConnection c = slot.connection;
        slot.connection = null;
        close(c, after);
    }

    static void close(ChildConnection c, List<Runnable> after) {
        if (c != null) {
            after.add(c::close);
        }
    }

    private boolean markStopping(ChildSlot slot, ExitReason reason, List<Runnable> after) {
        if (slot.state == ChildState.STOPPING) {
            return false;
        }
        if (slot.state == ChildState.IDLE) {
            dispatch.removeIdle(slot);
        }
        // Before the signal: php-cgi blocked reading a kept connection retries its read after SIGTERM and only
        // notices the shutdown once the connection closes.
        close(slot, after);
        slot.state = ChildState.STOPPING;
        slot.stopReason = reason;
        return true;
    }

    private void sigkill(ChildSlot slot, List<Runnable> after) {
        slot.killSent = true;
        long id = slot.id;
        after.add(() -> launcher.signal(id, Signal.KILL));
    }
}
