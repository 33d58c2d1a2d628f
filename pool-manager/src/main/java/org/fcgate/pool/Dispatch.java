package org.fcgate.pool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.RequestInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who gets which child: idle children on a most-recently-used stack (release pushes, acquire pops, so the
 * least recently used sink to the bottom and idle out) and callers in one FIFO queue bounded by
 * {@code queue_max} and {@code queue_timeout}. A freed or newly ready child goes straight to the queue head.
 * Counts leases, queue refusals, queue length and time spent waiting. Guarded by the pool's lock.
 */
final class Dispatch {
    private static final Logger log = LoggerFactory.getLogger(Dispatch.class);

    private record Waiter(RequestInfo request, long enqueuedNanos, CompletableFuture<AcquireResult> future) {
    }

    private final Pool pool;
    private final PoolConfig config;
    private final Deque<ChildSlot> idle = new ArrayDeque<>();
    private final Deque<Waiter> waiters = new ArrayDeque<>();
    private long leases;
    private long rejectedQueueFull;
    private long rejectedQueueTimeout;
    private int maxQueueLength;
    private long queueWaitNanos;

    Dispatch(Pool pool, PoolConfig config) {
        this.pool = pool;
        this.config = config;
    }

    /** The most recently used idle child, leased to {@code request}; null when none is idle. */
    Lease leaseIdle(RequestInfo request, long now) {
        ChildSlot slot = idle.pollFirst();
        return slot == null ? null : grant(slot, request, now, 0);
    }

    /** True (and counted, and warned about) when {@code queue_max} callers already wait. */
    boolean refuseQueueFull() {
        if (waiters.size() < config.queueMax() || waiting() < config.queueMax()) { // the size counts cancelled ones
            return false;
        }
        rejectedQueueFull++;
        if (rejectedQueueFull == 1 || rejectedQueueFull % 1000 == 0) {
            log.warn("[pool {}] queue full ({} waiting), refusing callers; {} refused so far", config.name(),
                    waiters.size(), rejectedQueueFull);
        }
        return true;
    }

    void enqueue(RequestInfo request, long now, CompletableFuture<AcquireResult> future) {
        waiters.addLast(new Waiter(request, now, future));
        maxQueueLength = Math.max(maxQueueLength, waiters.size());
    }

    /**
     * Gives a free child to the first caller still waiting, else pushes it on top of the idle stack. A caller
     * that cancelled between the grant and the completion hands the lease straight back.
     */
    void offer(ChildSlot slot, long now, List<Runnable> after) {
        Waiter w;
        while ((w = waiters.pollFirst()) != null) {
            if (w.future.isDone()) {
                continue;
            }
            Lease lease = grant(slot, w.request, now, now - w.enqueuedNanos);
            queueWaitNanos += now - w.enqueuedNanos;
            CompletableFuture<AcquireResult> f = w.future;
            after.add(() -> {
                if (!f.complete(new AcquireResult.Granted(lease))) {
                    lease.releaseUnused();
                }
            });
            return;
        }
        slot.state = ChildState.IDLE;
        slot.idleSinceNanos = now;
        idle.addFirst(slot);
    }

    /** Refuses callers that waited {@code queue_timeout}; returns the next queue deadline. */
    long expireWaiters(long now, List<Runnable> after) {
        long timeout = config.queueTimeout().toNanos();
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (w.future.isDone()) {
                it.remove();
                continue;
            }
            long end = w.enqueuedNanos + timeout;
            if (now - end < 0) {
                return end; // FIFO: later waiters expire later
            }
            it.remove();
            rejectedQueueTimeout++;
            complete(w.future, rejection(RejectReason.QUEUE_TIMEOUT), after);
        }
        return Long.MAX_VALUE;
    }

    /** Refuses every waiting caller; returns how many. */
    int rejectAll(RejectReason reason, List<Runnable> after) {
        int n = 0;
        Waiter w;
        while ((w = waiters.pollFirst()) != null) {
            n++;
            complete(w.future, rejection(reason), after);
        }
        return n;
    }

    AcquireResult rejection(RejectReason reason) {
        return new AcquireResult.Rejected(reason, config.retryAfter());
    }

    void removeIdle(ChildSlot slot) {
        idle.remove(slot);
    }

    int idleCount() {
        return idle.size();
    }

    /** The least recently used idle child, or null. */
    ChildSlot leastRecentlyUsed() {
        return idle.peekLast();
    }

    /** Idle children, least recently used first. */
    List<ChildSlot> idleOldestFirst() {
        List<ChildSlot> out = new ArrayList<>(idle);
        java.util.Collections.reverse(out);
        return out;
    }

    /** Callers waiting now, not counting those that cancelled. */
    int waiting() {
        waiters.removeIf(w -> w.future.isDone());
        return waiters.size();
    }

    long leases() {
        return leases;
    }

    long rejectedQueueFull() {
        return rejectedQueueFull;
    }

    long rejectedQueueTimeout() {
        return rejectedQueueTimeout;
    }

    int maxQueueLength() {
        return maxQueueLength;
    }

    long queueWaitNanos() {
        return queueWaitNanos;
    }

    private Lease grant(ChildSlot slot, RequestInfo request, long now, long waitedNanos) {
        slot.state = ChildState.BUSY;
        slot.leaseStartNanos = now;
        slot.lastRequest = request;
        Lease lease = new Lease(pool, slot, request, now, slot.connection, pool.rssSampleDue(slot, now));
        slot.connection = null; // the holder's until it hands it back
        slot.lease = lease;
        leases++;
        pool.granted(waitedNanos);
        return lease;
    }

    private static void complete(CompletableFuture<AcquireResult> f, AcquireResult r, List<Runnable> after) {
        after.add(() -> f.complete(r));
    }
}
