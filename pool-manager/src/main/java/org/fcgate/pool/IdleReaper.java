package org.fcgate.pool;

import java.util.List;
import org.fcgate.pool.status.ExitReason;

/**
 * The idle half of the maintenance tick: stops idle children past {@code max_lifetime}, above what the mode
 * allows idle at once ({@code max_spare_servers}), and idle past {@code idle_timeout} above what the mode keeps,
 * least recently used first (they sit at the bottom of the MRU stack).
 */
final class IdleReaper {
    private final Sizing sizing;
    private final RecyclePolicy recycle;
    private final Dispatch dispatch;
    private final ChildControl control;

    IdleReaper(Sizing sizing, RecyclePolicy recycle, Dispatch dispatch, ChildControl control) {
        this.sizing = sizing;
        this.recycle = recycle;
        this.dispatch = dispatch;
        this.control = control;
    }

    /** Returns when it next needs to run ({@link Long#MAX_VALUE} if nothing is pending). */
    long reap(long now, List<Runnable> after) {
        long next = Long.MAX_VALUE;
        if (recycle.hasLifetime()) {
            for (ChildSlot s : dispatch.idleOldestFirst()) {
                long end = recycle.lifetimeEnd(s);
                if (now - end >= 0) {
                    control.stop(s, ExitReason.LIFETIME, now, after);
                } else {
                    next = Math.min(next, end);
                }
            }
        }
        while (dispatch.idleCount() > sizing.maxIdle()) {
            control.stop(dispatch.leastRecentlyUsed(), ExitReason.IDLE, now, after);
        }
        while (dispatch.idleCount() > sizing.idleKept()) {
            ChildSlot lru = dispatch.leastRecentlyUsed();
            long end = sizing.idleDeadline(lru.idleSinceNanos);
            if (now - end < 0) {
                return Math.min(next, end);
            }
            control.stop(lru, ExitReason.IDLE, now, after);
        }
        return next;
    }
}
