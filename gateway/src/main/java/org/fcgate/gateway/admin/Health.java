package org.fcgate.gateway.admin;

import java.util.List;
import org.fcgate.pool.status.PoolSnapshot;

/**
 * Liveness and readiness. Live while the admin listener answers. Ready only in {@link Phase#RUNNING} and when at
 * least one pool is not degraded (or there is no managed pool): not while starting, not while draining, not when
 * every pool is held back by its crash-loop guard.
 */
public final class Health {

    /** The gateway's phase as the admin listener reports it. */
    public enum Phase { STARTING, RUNNING, DRAINING }

    private volatile Phase phase = Phase.STARTING;

    public Phase phase() {
        return phase;
    }

    public void phase(Phase phase) {
        this.phase = phase;
    }

    /** Empty when ready, else why not. */
    String notReady(List<PoolSnapshot> pools) {
        Phase p = phase;
        if (p != Phase.RUNNING) {
            return p.name().toLowerCase(java.util.Locale.ROOT);
        }
        if (!pools.isEmpty() && pools.stream().allMatch(s -> s.degraded() || !s.state().equals("RUNNING"))) {
            return "every pool is degraded";
        }
        return "";
    }
}
