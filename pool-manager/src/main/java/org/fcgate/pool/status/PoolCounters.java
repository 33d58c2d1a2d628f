package org.fcgate.pool.status;

import java.time.Duration;
import java.util.Map;

/**
 * Cumulative counters of one pool since it started (except {@code queueLength}, a gauge).
 *
 * @param leases             leases granted
 * @param rejectedQueueFull  callers refused because the queue was at {@code queue_max}
 * @param rejectedQueueTimeout callers that waited {@code queue_timeout} without a child
 * @param rejectedUnavailable callers refused because the pool was draining, stopped or degraded
 * @param queueLength        callers waiting in the queue now
 * @param maxQueueLength     the most callers waiting at once: in the queue, or written ahead on a busy child
 *                           ({@code write_ahead}; with it off, the longest the queue has been)
 * @param queueWaitTotal     total time granted callers spent in the queue
 * @param maxChildrenReached times a caller had to wait with {@code max_children} already running
 * @param spawns             children spawned
 * @param exits              children exited, by reason
 * @param maxActive          the most children busy at once (php-fpm "max active processes")
 * @param writtenAhead       requests written ahead now ({@code write_ahead}): behind a busy child's current request,
 *                           waiting for it to end (a gauge, like {@code queueLength}; at most one per child)
 */
public record PoolCounters(
        long leases,
        long rejectedQueueFull,
        long rejectedQueueTimeout,
        long rejectedUnavailable,
        int queueLength,
        int maxQueueLength,
        Duration queueWaitTotal,
        long maxChildrenReached,
        long spawns,
        Map<ExitReason, Long> exits,
        int maxActive,
        int writtenAhead) {

    public PoolCounters {
        exits = Map.copyOf(exits);
    }

    /** Without {@code writtenAhead} (the shape before write_ahead showed on the status page). */
    public PoolCounters(long leases, long rejectedQueueFull, long rejectedQueueTimeout, long rejectedUnavailable,
                        int queueLength, int maxQueueLength, Duration queueWaitTotal, long maxChildrenReached,
                        long spawns, Map<ExitReason, Long> exits, int maxActive) {
        this(leases, rejectedQueueFull, rejectedQueueTimeout, rejectedUnavailable, queueLength, maxQueueLength,
                queueWaitTotal, maxChildrenReached, spawns, exits, maxActive, 0);
    }

    /** Without {@code maxActive} (the shape before the status page needed it). */
    public PoolCounters(long leases, long rejectedQueueFull, long rejectedQueueTimeout, long rejectedUnavailable,
                        int queueLength, int maxQueueLength, Duration queueWaitTotal, long maxChildrenReached,
                        long spawns, Map<ExitReason, Long> exits) {
        this(leases, rejectedQueueFull, rejectedQueueTimeout, rejectedUnavailable, queueLength, maxQueueLength,
                queueWaitTotal, maxChildrenReached, spawns, exits, 0, 0);
    }

    /**
     * Callers waiting for a child now, php-fpm's "listen queue": those in the queue and those written ahead (php-fpm
     * would hold both in its socket backlog, not yet accepted by a child).
     */
    public int waitingNow() {
        return queueLength + writtenAhead;
    }

    public long exits(ExitReason reason) {
        return exits.getOrDefault(reason, 0L);
    }

    /**
     * The counters of two generations of one pool as one (a pool replaced by a configuration reload): totals add up,
     * the queue length and the requests written ahead now add up, the peaks are the larger of the two.
     */
    public PoolCounters plus(PoolCounters o) {
        Map<ExitReason, Long> sum = new java.util.EnumMap<>(ExitReason.class);
        exits.forEach((k, v) -> sum.merge(k, v, Long::sum));
        o.exits.forEach((k, v) -> sum.merge(k, v, Long::sum));
        return new PoolCounters(leases + o.leases, rejectedQueueFull + o.rejectedQueueFull,
                rejectedQueueTimeout + o.rejectedQueueTimeout, rejectedUnavailable + o.rejectedUnavailable,
                queueLength + o.queueLength, Math.max(maxQueueLength, o.maxQueueLength),
                queueWaitTotal.plus(o.queueWaitTotal), maxChildrenReached + o.maxChildrenReached, spawns + o.spawns,
                sum, Math.max(maxActive, o.maxActive), writtenAhead + o.writtenAhead);
    }
}
