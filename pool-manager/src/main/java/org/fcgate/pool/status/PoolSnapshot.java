package org.fcgate.pool.status;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the pool knows, copied under its lock in one go: the single source for status pages and
 * metrics (like php-fpm's scoreboard).
 *
 * @param state    the pool's lifecycle state name ({@code org.fcgate.pool.Pool.State})
 * @param degraded true while a crash loop holds respawning back
 * @param started  when the pool was created (php-fpm "start time"); null when unknown
 */
public record PoolSnapshot(
        String name,
        String state,
        boolean degraded,
        List<ChildSnapshot> children,
        PoolCounters counters,
        Instant started) {

    public PoolSnapshot {
        children = List.copyOf(children);
    }

    /** Without {@code started} (the shape before the status page needed it). */
    public PoolSnapshot(String name, String state, boolean degraded, List<ChildSnapshot> children,
                        PoolCounters counters) {
        this(name, state, degraded, children, counters, null);
    }

    public long count(ChildState s) {
        return children.stream().filter(c -> c.state() == s).count();
    }

    public Map<ChildState, Long> byState() {
        var m = new java.util.EnumMap<ChildState, Long>(ChildState.class);
        for (ChildState s : ChildState.values()) {
            m.put(s, count(s));
        }
        return m;
    }
}
