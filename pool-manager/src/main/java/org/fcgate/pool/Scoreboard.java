package org.fcgate.pool;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.status.ChildSnapshot;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.fcgate.pool.status.PoolCounters;
import org.fcgate.pool.status.PoolSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's one scoreboard (php-fpm {@code fpm_scoreboard}): every child slot by id, the exit counters by
 * reason and the spawn and refusal counters. Status pages, metrics and the timeout sweep all read it; it is
 * copied into a {@link PoolSnapshot} under the pool lock. Not thread-safe: guarded by the pool's lock.
 */
final class Scoreboard {
    private static final Logger log = LoggerFactory.getLogger(Scoreboard.class);
    private static final long WARN_INTERVAL_NANOS = Duration.ofSeconds(10).toNanos();

    private final Map<Long, ChildSlot> children = new LinkedHashMap<>();
    private final Map<ExitReason, Long> exits = new EnumMap<>(ExitReason.class);
    private final long wallBaseMillis;
    private final long nanoBase;
    private long nextChildId = 1;
    private long spawns;
    private long rejectedUnavailable;
    private long maxChildrenReached;
    private int maxActive;
    private long lastMaxChildrenWarning;
    private boolean warnedMaxChildren;

    /** @param nanoBase the pool clock's reading at {@code wallBaseMillis}, to show deadlines as wall time */
    Scoreboard(long nanoBase, long wallBaseMillis) {
        this.nanoBase = nanoBase;
        this.wallBaseMillis = wallBaseMillis;
    }

    /** A new slot in STARTING, counted as a spawn. */
    ChildSlot add(int generation, long now, long recycleAfterRequests) {
        ChildSlot slot = new ChildSlot(nextChildId++, generation, now, recycleAfterRequests);
        children.put(slot.id, slot);
        spawns++;
        return slot;
    }

    ChildSlot get(long id) {
        return children.get(id);
    }

    ChildSlot remove(long id) {
        return children.remove(id);
    }

    /** A copy, safe to iterate while slots are stopped or removed. */
    List<ChildSlot> all() {
        return new ArrayList<>(children.values());
    }

    Collection<ChildSlot> view() {
        return children.values();
    }

    boolean isEmpty() {
        return children.isEmpty();
    }

    int size() {
        return children.size();
    }

    /** Children not yet told to stop (they count against {@code max_children}). */
    int live() {
        int n = 0;
        for (ChildSlot s : children.values()) {
            if (s.live()) {
                n++;
            }
        }
        return n;
    }

    int count(ChildState state) {
        int n = 0;
        for (ChildSlot s : children.values()) {
            if (s.state == state) {
                n++;
            }
        }
        return n;
    }

    boolean anyLiveBefore(int generation) {
        for (ChildSlot s : children.values()) {
            if (s.generation < generation && s.live()) {
                return true;
            }
        }
        return false;
    }

    /** After a grant: the highest number of busy children seen at once (php-fpm "max active processes"). */
    void noteActive() {
        maxActive = Math.max(maxActive, count(ChildState.BUSY));
    }

    /** Children with a request written ahead on them now ({@code write_ahead}; at most one each). */
    int writtenAhead() {
        int n = 0;
        for (ChildSlot s : children.values()) {
            if (s.ahead != null) {
                n++;
            }
        }
        return n;
    }

    void countExit(ExitReason reason) {
        exits.merge(reason, 1L, Long::sum);
    }

    void countUnavailable(int callers) {
        rejectedUnavailable += callers;
    }

    /** A caller has to wait with {@code max_children} running: counted, warned at most every 10 s. */
    void maxChildrenReached(long now, PoolConfig config) {
        maxChildrenReached++;
        if (!warnedMaxChildren || now - lastMaxChildrenWarning >= WARN_INTERVAL_NANOS) {
            warnedMaxChildren = true;
            lastMaxChildrenWarning = now;
            log.warn("[pool {}] server reached max_children setting ({}), consider raising it", config.name(),
                    config.maxChildren());
        }
    }

    PoolSnapshot snapshot(String name, String state, boolean degraded, Dispatch dispatch) {
        List<ChildSnapshot> rows = new ArrayList<>(children.size());
        for (ChildSlot s : children.values()) {
            boolean busy = s.state == ChildState.BUSY;
            rows.add(new ChildSnapshot(s.id, s.pid, s.state, wall(s.startNanos), s.requests,
                    busy ? wall(s.leaseStartNanos) : null, busy && s.lease != null ? s.lease.uri() : null,
                    s.lastDurationNanos < 0 ? null : Duration.ofNanos(s.lastDurationNanos), s.rssKb,
                    s.lastRequest));
        }
        PoolCounters counters = new PoolCounters(dispatch.leases(), dispatch.rejectedQueueFull(),
                dispatch.rejectedQueueTimeout(), rejectedUnavailable, dispatch.waiting(), dispatch.maxQueueLength(),
                Duration.ofNanos(dispatch.queueWaitNanos()), maxChildrenReached, spawns, exits, maxActive,
                writtenAhead());
        return new PoolSnapshot(name, state, degraded, rows, counters, wall(nanoBase));
    }

    private Instant wall(long nanos) {
        return Instant.ofEpochMilli(wallBaseMillis + (nanos - nanoBase) / 1_000_000);
    }
}
