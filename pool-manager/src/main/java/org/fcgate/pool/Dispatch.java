package org.fcgate.pool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.RequestInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who gets which child: idle children on a most-recently-used stack (release pushes, acquire pops, so the
 * least recently used sink to the bottom and idle out) and callers in one FIFO queue bounded by
 * {@code queue_max} and {@code queue_timeout}. A freed or newly ready child goes straight to the queue head, with
 * one exception: a child whose kept connection lives on an executor (a Netty event loop, {@link ChildConnection#home})
 * goes to the first waiter on that same executor if only waiters never passed over before are ahead of it; each of
 * those is passed over once at most ({@link #MAX_PASSES}). The connection then needs no move to another thread, and
 * the next request goes out in the same turn of the loop that read the last one's end; FIFO order is kept within
 * one executor and bent by at most one turn across them. Counts leases, queue refusals, queue length and time
 * spent waiting. Guarded by the pool's lock.
 */
final class Dispatch {
    private static final Logger log = LoggerFactory.getLogger(Dispatch.class);

    /** How many times a waiter may be passed over for one on its freed child's executor; 1 keeps the queue fair. */
    static final int MAX_PASSES = 1;
    /** How far down the queue a freed child looks for a waiter on its executor. */
    private static final int AFFINITY_SCAN = 8;

    private static final class Waiter {
        final RequestInfo request;
        final long enqueuedNanos;
        final CompletableFuture<AcquireResult> future;
        /** The caller's executor, or null. */
        final Executor home;
        final WriteAhead ahead;
        int passes;

        Waiter(RequestInfo request, long enqueuedNanos, CompletableFuture<AcquireResult> future, Executor home,
               WriteAhead ahead) {
            this.request = request;
            this.enqueuedNanos = enqueuedNanos;
            this.future = future;
            this.home = home;
            this.ahead = ahead;
        }
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
    private long aheadGrants;

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

    /** @param writtenAhead requests written ahead now: they wait too (php-fpm's listen queue), for the peak */
    void enqueue(RequestInfo request, long now, CompletableFuture<AcquireResult> future, Executor home,
                 WriteAhead ahead, int writtenAhead) {
        waiters.addLast(new Waiter(request, now, future, home, ahead));
        maxQueueLength = Math.max(maxQueueLength, waiters.size() + writtenAhead);
    }

    /**
     * Gives a free child to the first caller still waiting, else pushes it on top of the idle stack. A caller
     * that cancelled between the grant and the completion hands the lease straight back.
     */
    void offer(ChildSlot slot, long now, List<Runnable> after) {
        Waiter w;
        while ((w = next(slot.connection == null ? null : slot.connection.home())) != null) {
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

    /**
     * Takes the waiter a child freed with a connection on {@code home} goes to: the first one on {@code home} if
     * every live waiter ahead of it may still be passed over (each then is, once), else the head. Cancelled waiters
     * met on the way are dropped.
     */
    private Waiter next(Executor home) {
        Waiter head = waiters.peekFirst();
        if (home == null || head == null || head.home == home || head.home == null) {
            return waiters.pollFirst();
        }
        Waiter chosen = takePassing(w -> w.home == home);
        return chosen != null ? chosen : waiters.pollFirst();
    }

    /**
     * Takes the first live waiter that {@code fits} if every live waiter ahead of it may still be passed over (each
     * then is, once: {@link #MAX_PASSES}); null (nothing taken) otherwise, or when none within {@link #AFFINITY_SCAN}
     * fits. Cancelled waiters met on the way are dropped.
     */
    private Waiter takePassing(java.util.function.Predicate<Waiter> fits) {
        Waiter chosen = null;
        int seen = 0;
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext() && seen < AFFINITY_SCAN; ) {
            Waiter w = it.next();
            if (w.future.isDone()) {
                it.remove();
                continue;
            }
            seen++;
            if (fits.test(w)) {
                chosen = w;
                break;
            }
            if (w.passes >= MAX_PASSES) {
                break;
            }
        }
        if (chosen == null) {
            return null;
        }
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (w == chosen) {
                it.remove();
                break;
            }
            if (!w.future.isDone()) {
                w.passes++;
            }
        }
        return chosen;
    }

    /**
     * Grants a lease ahead on {@code slot} to the first waiter that may go ahead and waits on the executor of the
     * connection {@code slot}'s current request runs on ({@code Pool} checked the child); true if it did. The waiters
     * ahead of it are passed over, each once at most ({@link #MAX_PASSES}), as when a freed child goes to a waiter on
     * its connection's executor: the queue stays FIFO within an executor and is bent by one turn at most across them.
     */
    boolean offerAhead(ChildSlot slot, long now, List<Runnable> after) {
        Executor home = slot.lease.inUse.home();
        Waiter chosen = takePassing(w -> w.home == home && w.ahead == WriteAhead.ALLOWED);
        if (chosen == null) {
            return false;
        }
        Lease lease = grantAhead(slot, chosen.request, chosen.enqueuedNanos);
        CompletableFuture<AcquireResult> f = chosen.future;
        after.add(() -> {
            if (!f.complete(new AcquireResult.Granted(lease))) {
                lease.releaseUnused();
            }
        });
        return true;
    }

    /**
     * A lease on busy {@code slot}, behind its current request on the connection that one runs on; counted as a
     * write-ahead grant, and as a lease only once promoted ({@link #promote}).
     */
    Lease grantAhead(ChildSlot slot, RequestInfo request, long requestedNanos) {
        Lease lease = new Lease(pool, slot, request, requestedNanos, requestedNanos, slot.lease.inUse, false, true);
        slot.ahead = lease;
        aheadGrants++;
        // It waits for a child as a queued caller does: php-fpm's "max listen queue" counts both.
        maxQueueLength = Math.max(maxQueueLength, waiters.size() + pool.writtenAheadNow());
        pool.grantedAhead();
        return lease;
    }

    /**
     * The current request on {@code slot} completed and the child goes on to the request written ahead behind it, whose
     * holder gave it up after writing it (its client left): the child reads and runs it, so it counts as a lease
     * granted now and released broken at once (nobody reads its answer; the pool replaces the child), as nginx counts
     * a request its upstream got after the client closed (499).
     */
    void countAbandonedAhead(Lease lease, long now) {
        leases++;
        queueWaitNanos += now - lease.requestedNanos;
        pool.granted(now - lease.requestedNanos);
    }

    /**
     * The current request on {@code slot} completed and the child stays: its lease written ahead becomes the current
     * one, from now (request_timeout, RSS sampling, status page, counters), and its holder hears it (after the lock).
     */
    Lease promote(ChildSlot slot, long now, List<Runnable> after) {
        Lease lease = slot.ahead;
        slot.ahead = null;
        lease.pendingAhead = false;
        lease.grantedNanos = now;
        lease.rssSampleDue = pool.rssSampleDue(slot, now);
        lease.inUse = lease.kept; // its whole request was written at the grant
        slot.connection = null;   // the holder's until it hands it back
        slot.lease = lease;
        slot.leaseStartNanos = now;
        slot.lastRequest = lease.request();
        leases++;
        queueWaitNanos += now - lease.requestedNanos;
        pool.granted(now - lease.requestedNanos);
        after.add(lease::completePromotion);
        return lease;
    }

    /** Whether no caller is waiting (cancelled ones dropped). */
    boolean queueEmpty() {
        Waiter w;
        while ((w = waiters.peekFirst()) != null && w.future.isDone()) {
            waiters.pollFirst();
        }
        return waiters.isEmpty() || waiting() == 0;
    }

    long aheadGrants() {
        return aheadGrants;
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
