package org.fcgate.pool;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.spawn.ChildLauncher;
import org.fcgate.pool.spawn.LaunchListener;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.fcgate.pool.status.PoolSnapshot;
import org.fcgate.pool.status.RequestInfo;
import org.fcgate.pool.supervise.CrashLoopGuard;
import org.fcgate.pool.supervise.ExitStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A supervised pool of single-request children, dispatched most-recently-used first.
 *
 * <h2>Pool states</h2>
 * <ol>
 *   <li>{@code NEW} — built; {@link #start()} moves to RUNNING.</li>
 *   <li>{@code RUNNING} — leases granted; children spawned, recycled and reaped by the sizing mode.</li>
 *   <li>{@code DRAINING} — after {@link #drain()} or {@link #shutdown(Duration)}: new and queued callers get
 *       {@link RejectReason#DRAINING}; idle and starting children are stopped; busy ones finish their request
 *       and are then stopped; at the shutdown deadline busy children are revoked
 *       ({@link Revocation#SHUTDOWN}) and killed.</li>
 *   <li>{@code STOPPED} — no child left; {@link #stopped()} completes. Terminal.</li>
 * </ol>
 *
 * <h2>Child states</h2>
 * {@code STARTING → IDLE ⇄ BUSY → STOPPING → (reaped, removed)}; any state may go straight to removed when the
 * process dies. STARTING becomes IDLE only once the child answered FCGI_GET_VALUES. BUSY → IDLE on release
 * unless a recycle reason applies (max requests + jitter, max lifetime, RSS limit, rolling restart, drain),
 * in which case BUSY → STOPPING — never during a request (except past {@code rss_hard_limit_kb}: the tick
 * revokes the lease as {@link Revocation#CHILD_FAILED} and sends SIGKILL at once). STOPPING means SIGTERM
 * was sent; SIGKILL follows after {@code kill_grace}. The pool marks its own kills with a reason, so an exit
 * in STOPPING is counted under that reason and an exit in any other state is a crash (or
 * {@link ExitReason#EXITED} for a clean exit after serving), recorded by the {@link CrashLoopGuard}.
 *
 * <h2>Dispatch</h2>
 * Idle children sit on a stack: release pushes, acquire pops, so the least recently used sink to the
 * bottom and idle out. With no idle child, callers wait in a FIFO queue bounded by {@code queue_max} and
 * {@code queue_timeout}; a released or newly ready child goes straight to the queue head. A child is in at
 * most one of: the idle stack, one lease.
 *
 * <h2>Write ahead</h2>
 * With {@code write_ahead} on, a caller that allows it ({@link WriteAhead#ALLOWED}) and would queue may instead get a
 * lease <em>ahead</em> on a busy child ({@link Lease#isAhead()}): on the kept connection its current request runs on
 * ({@link Lease#connectionInUse}), so the child finds the next request in its socket when it is done. At most one per
 * child, only with {@code max_children} live, only behind a request younger than {@code write_ahead} (the youngest
 * first), only on a child not to be recycled after it, and only for a caller on that connection's executor. A
 * waiter goes ahead too when a child's current request is written or promoted (passing others as {@link Dispatch}
 * allows). The lease is promoted when the current request is released completed and the child kept; otherwise it
 * is revoked {@link Revocation#NOT_STARTED}. Counted as a lease (and timed) from its promotion. Until then it waits
 * for a child as a queued caller does: in the snapshot's {@code writtenAhead}, the queue peak and max children
 * reached (php-fpm's listen queue). One its holder gave up after writing it counts as a lease, released broken, when
 * the current request completes and the child goes on to read it (the child is then replaced).
 *
 * <h2>Time</h2>
 * Events (acquire, release, child ready/exit) act at once. Deadlines (queue wait, request timeout, kill
 * grace, spawn timeout, idle timeout, lifetime, spawn pacing, crash backoff) are handled by
 * {@link #tick(long)}, which returns the delay until it next needs to run; the {@link PoolManager} drives it,
 * unit tests call it with a manual clock.
 *
 * <h2>Parts</h2>
 * The pool is the coordinator: it owns the lock, the state above and the event handlers, and delegates each
 * concern to a package-private piece that runs under its lock (php-fpm's split):
 * {@link Dispatch} (MRU idle stack + bounded FIFO queue), {@link Spawning} (spawn pacing, crash guard, rolling
 * restart) over {@link Sizing} (what each {@code pm} mode wants), {@link RecyclePolicy} (max requests + jitter,
 * lifetime, RSS), the maintenance tick's {@link IdleReaper}, {@link TimeoutSweep} and {@link RssHardLimit},
 * {@link Reaping} (exit accounting), {@link ChildControl} (the pool's own SIGTERM/SIGKILL, marked with a
 * reason) and the {@link Scoreboard} (slots and counters).
 */
public final class Pool {
    private static final Logger log = LoggerFactory.getLogger(Pool.class);
    private static final long MAX_TICK_NANOS = Duration.ofSeconds(1).toNanos();
    /** How old a child's VmRSS sample may get before a release samples it again (without rss_limit_kb). */
    static final Duration RSS_SAMPLE_INTERVAL = Duration.ofSeconds(1);
    private static final long RSS_SAMPLE_INTERVAL_NANOS = RSS_SAMPLE_INTERVAL.toNanos();

    /** The pool's lifecycle; see the class comment. */
    public enum State { NEW, RUNNING, DRAINING, STOPPED }

    enum ReleaseKind { COMPLETED, BROKEN, UNUSED }

    /** One locked step: decides under the lock, defers signals and future completions to {@code after}. */
    @FunctionalInterface
    private interface Step {
        void run(long now, List<Runnable> after);
    }

    /** Replaced only by {@link #resize} (under the lock); read without it for the name and the status page. */
    private volatile PoolConfig config;
    private final ChildLauncher launcher;
    private final LongSupplier clock;
    private final Events events = new Events();
    private final ReentrantLock lock = new ReentrantLock();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final RecyclePolicy recycle;
    private volatile Runnable wakeup = () -> { };
    private volatile PoolObserver observer = PoolObserver.NONE;

    // Everything below is guarded by lock.
    private State state = State.NEW;
    private final Scoreboard board;
    private final Dispatch dispatch;
    private final CrashLoopGuard crashGuard;
    private final ChildControl control;
    private final Spawning spawning;
    private final IdleReaper idleReaper;
    private final TimeoutSweep sweep;
    private final Reaping reaping;
    private final RssHardLimit rssHardLimit;
    private final Sizing sizing;
    private long shutdownDeadline;
    private boolean shutdownDeadlineSet;
    /**
     * When the driver runs {@link #tick} next: what the last tick asked for, or the time of a wake on its way. The
     * hot path (acquire, release) wakes the driver only for a deadline earlier than this (see needsTick).
     */
    private long tickDue;

    /**
     * @param clock  monotonic nanoseconds ({@code System::nanoTime} in production, a manual clock in tests)
     * @param random source of {@code max_requests_jitter}
     */
    public Pool(PoolConfig config, ChildLauncher launcher, LongSupplier clock, RandomGenerator random) {
        this.config = config;
        this.launcher = launcher;
        this.clock = clock;
        long now = clock.getAsLong();
        this.board = new Scoreboard(now, System.currentTimeMillis());
        this.dispatch = new Dispatch(this, config);
        this.recycle = new RecyclePolicy(config, random);
        this.crashGuard = new CrashLoopGuard(config.crashThreshold(), config.crashWindow(),
                config.crashBackoffInitial(), config.crashBackoffMax());
        this.control = new ChildControl(config, launcher, dispatch);
        this.sizing = new Sizing(config);
        this.spawning = new Spawning(config, launcher, events, board, dispatch, sizing, recycle, crashGuard, control,
                now);
        this.idleReaper = new IdleReaper(sizing, recycle, dispatch, control);
        this.reaping = new Reaping(config, board, crashGuard);
        this.sweep = new TimeoutSweep(config, control, reaping);
        this.rssHardLimit = new RssHardLimit(config, control);
        this.tickDue = now;
    }

    public String name() {
        return config.name();
    }

    public PoolConfig config() {
        return config;
    }

    /** Reports lease timings to {@code observer} from now on (one observer; {@link PoolObserver#NONE} to stop). */
    public void observe(PoolObserver observer) {
        this.observer = java.util.Objects.requireNonNull(observer, "observer");
    }

    /** Called whenever the pool needs {@link #tick} sooner than the delay it last returned. */
    public void onWakeup(Runnable wakeup) {
        this.wakeup = wakeup;
    }

    /** NEW → RUNNING: spawns the initial children (static: max_children, dynamic: start_servers). */
    public void start() {
        locked((now, after) -> {
            if (state != State.NEW) {
                throw new IllegalStateException("state: " + state);
            }
            state = State.RUNNING;
            int initial = spawning.spawnInitial(now, after);
            log.info("[pool {}] started, pm {}, {} children", name(), config.pm(), initial);
        });
    }

    /**
     * Asks for a child for one request. Never blocks: the future is already complete when an idle child
     * exists or the caller is refused, otherwise it completes when a child frees up, becomes ready, or the
     * queue wait times out. Cancelling the future gives up the place in the queue.
     *
     * @param uri shown in the scoreboard while the request runs
     */
    public CompletableFuture<AcquireResult> acquire(String uri) {
        return acquire(RequestInfo.ofUri(uri));
    }

    /**
     * As {@link #acquire(String)}, with the method, content length and script for the status page's
     * per-process block.
     */
    public CompletableFuture<AcquireResult> acquire(RequestInfo request) {
        return acquire(request, null);
    }

    /**
     * As {@link #acquire(RequestInfo)}, from a caller running on {@code home} (its Netty event loop): while it waits,
     * a child freed with a kept connection on that same executor may go to it ahead of callers elsewhere, by at most
     * one turn each (see {@link Dispatch}). Null means no preference.
     */
    public CompletableFuture<AcquireResult> acquire(RequestInfo request, java.util.concurrent.Executor home) {
        return acquire(request, home, WriteAhead.NOT_ALLOWED);
    }

    /**
     * As {@link #acquire(RequestInfo, java.util.concurrent.Executor)}; with {@link WriteAhead#ALLOWED} and the pool's
     * {@code write_ahead} on, the lease may be granted ahead ({@link Lease#isAhead()}) on a busy child whose kept
     * connection lives on {@code home}, rather than the caller waiting in the queue. See {@link #aheadCandidate}.
     */
    public CompletableFuture<AcquireResult> acquire(RequestInfo request, java.util.concurrent.Executor home,
                                                    WriteAhead ahead) {
        List<Runnable> after = new ArrayList<>(2);
        CompletableFuture<AcquireResult> future = new CompletableFuture<>();
        boolean wake = false;
        lock.lock();
        try {
            long now = clock.getAsLong();
            RejectReason refusal = refusal();
            if (refusal != null) {
                board.countUnavailable(1);
                future.complete(dispatch.rejection(refusal));
                return future;
            }
            Lease lease = dispatch.leaseIdle(request, now);
            if (lease != null) {
                wake = needsTick(grantDeadline(now), now);
                future.complete(new AcquireResult.Granted(lease));
                return future;
            }
            if (ahead == WriteAhead.ALLOWED && home != null && aheadAllowed() && dispatch.queueEmpty()) {
                ChildSlot busy = aheadCandidate(home, now);
                if (busy != null) {
                    board.maxChildrenReached(now, config); // it waits, with max_children running, as a queued caller
                    future.complete(new AcquireResult.Granted(dispatch.grantAhead(busy, request, now)));
                    return future;
                }
            }
            if (dispatch.refuseQueueFull()) {
                future.complete(dispatch.rejection(RejectReason.QUEUE_FULL));
                return future;
            }
            if (board.live() >= config.maxChildren()) {
                board.maxChildrenReached(now, config);
            }
            dispatch.enqueue(request, now, future, home, ahead,
                    config.writeAhead().isZero() ? 0 : board.writtenAhead());
            int children = board.size();
            wake = needsTick(now + config.queueTimeout().toNanos(), now) | planNeedsTick(children, now, after);
        } finally {
            lock.unlock();
            runAll(after);
            if (wake) {
                wakeup.run();
            }
        }
        return future;
    }

    /** Blocking convenience for tests and tools; never call it on an event loop. */
    public AcquireResult acquireBlocking(String uri) {
        return acquire(uri).join();
    }

    /**
     * Under the lock, at a grant: whether the release samples the child's VmRSS, which reads /proc. Always with
     * {@code rss_limit_kb} (the recycle decision needs it), else when the last sample is older than
     * {@link #RSS_SAMPLE_INTERVAL} (the status page's "last request memory").
     */
    boolean rssSampleDue(ChildSlot slot, long now) {
        return config.rssLimitKb() > 0 || slot.rssKb == 0 || now - slot.rssSampledNanos >= RSS_SAMPLE_INTERVAL_NANOS;
    }

    /** A lease was granted (under the lock): keeps the scoreboard's highest count of busy children. */
    void granted(long queueWaitNanos) {
        board.noteActive();
        observer.leaseGranted(Duration.ofNanos(queueWaitNanos));
    }

    /** Under the lock: requests written ahead now (status page "listen queue", with the queue). */
    int writtenAheadNow() {
        return board.writtenAhead();
    }

    /** A lease was granted ahead (under the lock). */
    void grantedAhead() {
        observer.writeAheadGranted();
    }

    // ---- write ahead: at most one request behind a busy child's current one, on its kept connection ----

    /** Under the lock: {@code write_ahead} on, RUNNING, and no more children to come (the queue drives spawns). */
    private boolean aheadAllowed() {
        return !config.writeAhead().isZero() && state == State.RUNNING && board.live() >= config.maxChildren();
    }

    /**
     * Under the lock: whether a request may be written ahead on {@code slot} for a caller on {@code home}: its
     * current request is fully written on a connection on {@code home}, has run less than {@code write_ahead}, has
     * nothing ahead of it yet, and the child is not to be recycled after it or the next one.
     */
    boolean aheadEligible(ChildSlot slot, java.util.concurrent.Executor home, long now) {
        Lease current = slot.lease;
        return slot.state == ChildState.BUSY && current != null && !current.finished && slot.ahead == null
                && current.inUse != null && home != null && current.inUse.home() == home
                && now - slot.leaseStartNanos < config.writeAhead().toNanos()
                && recycle.keepsFor(slot, 1, now, spawning.generation());
    }

    /**
     * Under the lock: the eligible busy child whose current request started most recently (the longer a request has
     * run, the longer it tends to run on), or null.
     */
    ChildSlot aheadCandidate(java.util.concurrent.Executor home, long now) {
        ChildSlot best = null;
        for (ChildSlot s : board.view()) {
            if (aheadEligible(s, home, now) && (best == null || s.leaseStartNanos - best.leaseStartNanos > 0)) {
                best = s;
            }
        }
        return best;
    }

    /** The holder of {@code lease} wrote its whole request on {@code connection}, to keep it with the child. */
    void connectionInUse(Lease lease, ChildConnection connection) {
        if (config.writeAhead().isZero()) {
            return; // nothing will be written ahead: no need to remember it
        }
        locked((now, after) -> {
            if (lease.finished || lease.pendingAhead || lease.slot.lease != lease) {
                return;
            }
            lease.inUse = connection;
            offerAhead(lease.slot, now, after);
        });
    }

    /** Under the lock: the queue head goes ahead on {@code slot} if the rules allow. */
    private void offerAhead(ChildSlot slot, long now, List<Runnable> after) {
        if (aheadAllowed() && slot.lease != null && slot.lease.inUse != null
                && aheadEligible(slot, slot.lease.inUse.home(), now)) {
            dispatch.offerAhead(slot, now, after);
        }
    }

    /** Under the lock: the holder of a lease granted ahead let it go before its promotion. */
    private void releaseAhead(Lease lease, ReleaseKind kind) {
        lease.finished = true;
        if (kind == ReleaseKind.BROKEN) {
            // Its request is in the child's socket and nobody will read the answer: the child is replaced once its
            // current request ends (slot.ahead stays, so nothing else goes ahead meanwhile).
            lease.abandoned = true;
            return;
        }
        // Nothing was written.
        if (lease.slot.ahead == lease) {
            lease.slot.ahead = null;
        }
        lease.pendingAhead = false;
    }

    /** The lease holder saw the first response byte (once per lease). */
    void firstByte(Lease lease) {
        observer.firstByte(Duration.ofNanos(clock.getAsLong() - lease.grantedNanos));
    }

    /** After a revocation was handed to the holder (outside the lock). */
    void revoked(Lease lease, Revocation why) {
        if (why == Revocation.NOT_STARTED) {
            return; // never ran: not a lease the observer saw granted
        }
        observer.leaseRevoked(Duration.ofNanos(clock.getAsLong() - lease.grantedNanos), why);
    }

    void release(Lease lease, ReleaseKind kind, ChildConnection keep) {
        ChildSlot slot = lease.slot;
        // Reads /proc, so outside the lock, and only when due: every request with rss_limit_kb, else at most once
        // per RSS_SAMPLE_INTERVAL for the status page (a /proc read costs more than the rest of a short request).
        long rss = kind == ReleaseKind.COMPLETED && lease.rssSampleDue ? launcher.rssKb(slot.id) : 0;
        boolean[] wake = new boolean[1];
        locked((now, after) -> {
            if (lease.wasRevoked) {
                ChildControl.close(keep, after); // the child is going away
                return;
            }
            if (lease.finished) {
                throw new IllegalStateException("lease already released: " + lease);
            }
            if (lease.pendingAhead) {
                releaseAhead(lease, kind);
                return;
            }
            lease.finished = true;
            slot.lease = null;
            if (kind == ReleaseKind.BROKEN) {
                ChildControl.close(lease.kept, after);
            } else {
                slot.connection = keep; // closed by ChildControl if the child is stopped below
            }
            if (kind != ReleaseKind.UNUSED) {
                observer.leaseReleased(Duration.ofNanos(now - lease.grantedNanos), kind == ReleaseKind.BROKEN);
                slot.requests++;
                slot.lastDurationNanos = now - slot.leaseStartNanos;
            }
            if (rss > 0) {
                slot.rssKb = rss;
                slot.rssSampledNanos = now;
            }
            ExitReason why = kind == ReleaseKind.BROKEN ? ExitReason.BROKEN
                    : state != State.RUNNING ? ExitReason.SHUTDOWN
                    : recycle.afterRequest(slot, now, spawning.generation());
            if (why == null && board.live() > config.maxChildren()) {
                why = ExitReason.IDLE; // above max_children after a resize
            }
            Lease next = slot.ahead;
            if (next != null && next.abandoned) {
                log.info("[pool {}] child {} replaced: a request written ahead on it was given up by its client",
                        name(), slot.pid);
                slot.ahead = null;
                if (why == null && kind == ReleaseKind.COMPLETED && keep != null && keep == next.kept) {
                    // It would have been promoted: the child goes on to read it, and runs it though nobody waits.
                    dispatch.countAbandonedAhead(next, now);
                    observer.leaseReleased(Duration.ZERO, true);
                }
                why = why == null ? ExitReason.BROKEN : why;
                next = null;
            } else if (next != null && (why != null || kind != ReleaseKind.COMPLETED || keep == null
                    || keep != next.kept)) {
                ChildControl.revokeAhead(slot, after);
                next = null;
            }
            int children = board.size();
            if (next != null) {
                dispatch.promote(slot, now, after);
                offerAhead(slot, now, after);
            } else if (why == null) {
                makeIdle(slot, now, after);
            } else {
                if (why == ExitReason.RSS) {
                    log.warn("[pool {}] child {} RSS {} KiB passed rss_limit_kb {}, recycling", name(), slot.pid,
                            slot.rssKb, config.rssLimitKb());
                }
                control.stop(slot, why, now, after);
            }
            wake[0] = releaseNeedsTick(slot, now) | planNeedsTick(children, now, after);
        });
        if (wake[0]) {
            wakeup.run();
        }
    }

    // ---- waking the driver: acquire and release, the hot path, wake it only when they must ----
    //
    // Every other event wakes the driver. Acquire and release happen once per request, and a wake costs a thread
    // hand-off and a whole tick, so they wake it only when they set a deadline earlier than the tick already due,
    // or when the tick has work to do at once. The deadlines they can set: the queue wait of a new waiter; a
    // grant's request_timeout and the hard RSS limit's sampling; an idle child's idle_timeout and max_lifetime;
    // a stopped child's kill_grace; spawning (pacing, crash backoff, spawn_timeout) and a rolling restart.

    /** Under the lock: whether {@code deadline} comes before the tick already due; if so, a wake is on its way. */
    private boolean needsTick(long deadline, long now) {
        if (deadline - tickDue < 0) {
            tickDue = now;
            return true;
        }
        return false;
    }

    private boolean needsTickNow(long now) {
        tickDue = now;
        return true;
    }

    /** The earliest deadline a grant sets: request_timeout, and the hard RSS limit's next sample. */
    private long grantDeadline(long now) {
        long d = Long.MAX_VALUE;
        if (config.requestTimeout().compareTo(Duration.ZERO) > 0) {
            d = now + config.requestTimeout().toNanos();
        }
        if (config.rssHardLimitKb() > 0) {
            d = Math.min(d, now + RssHardLimit.SAMPLE_INTERVAL.toNanos());
        }
        return d;
    }

    /** After a release: what became of the child (given to a waiter, idle, stopping) may need the tick. */
    private boolean releaseNeedsTick(ChildSlot slot, long now) {
        if (state != State.RUNNING) {
            return needsTickNow(now);
        }
        return switch (slot.state) {
            case BUSY -> needsTick(grantDeadline(now), now);
            case IDLE -> idleNeedsTick(slot, now);
            case STARTING, STOPPING -> needsTickNow(now);
        };
    }

    /** A child went idle: the idle reaper acts above max_spare_servers at once, else at its deadlines. */
    private boolean idleNeedsTick(ChildSlot slot, long now) {
        if (dispatch.idleCount() > sizing.maxIdle()) {
            return needsTickNow(now);
        }
        long d = Long.MAX_VALUE;
        if (dispatch.idleCount() > sizing.idleKept()) {
            d = sizing.idleDeadline(dispatch.leastRecentlyUsed().idleSinceNanos);
        }
        if (recycle.hasLifetime()) {
            d = Math.min(d, recycle.lifetimeEnd(slot));
        }
        return needsTick(d, now);
    }

    /**
     * Sizing after an acquire or release; the tick is needed if it spawned ({@code children} is the scoreboard's
     * size before), is held back (pacing, crash backoff) or a rolling restart is under way.
     */
    private boolean planNeedsTick(int children, long now, List<Runnable> after) {
        long next = plan(now, after);
        if (next != Long.MAX_VALUE || board.size() != children || spawning.restarting()) {
            return needsTickNow(now);
        }
        return false;
    }

    /**
     * The maintenance tick: runs every deadline that has passed at {@code nowNanos} (queue waits, the hard RSS
     * limit, the timeout sweep, idle and lifetime reaping, sizing, the shutdown deadline) and returns the
     * nanoseconds until the next one (at most one second, so sizing is re-checked regularly).
     */
    public long tick(long nowNanos) {
        List<Runnable> after = new ArrayList<>();
        List<RssHardLimit.Probe> probes;
        lock.lock();
        try {
            probes = rssHardLimit.toSample(board.view());
        } finally {
            lock.unlock();
        }
        List<RssHardLimit.Sample> rss = RssHardLimit.sample(probes, launcher); // reads /proc: outside the lock
        long next;
        lock.lock();
        try {
            next = nowNanos + MAX_TICK_NANOS;
            next = Math.min(next, dispatch.expireWaiters(nowNanos, after));
            next = Math.min(next, rssHardLimit.enforce(rss, nowNanos, after));
            next = Math.min(next, sweep.run(board.view(), nowNanos, after));
            if (state == State.RUNNING) {
                next = Math.min(next, idleReaper.reap(nowNanos, after));
                next = Math.min(next, plan(nowNanos, after));
            }
            if (state == State.DRAINING && shutdownDeadlineSet) {
                if (nowNanos - shutdownDeadline >= 0) {
                    killBusyAtDeadline(nowNanos, after);
                } else {
                    next = Math.min(next, shutdownDeadline);
                }
            }
            tickDue = Math.max(next, nowNanos);
        } finally {
            lock.unlock();
        }
        runAll(after);
        return Math.max(0, next - nowNanos);
    }

    /**
     * Stops granting leases and stops every child once its current request is done; the future completes when
     * all children have been reaped. Queued callers are refused with {@link RejectReason#DRAINING}.
     */
    public CompletableFuture<Void> drain() {
        beginDrain(null);
        return stopped;
    }

    /**
     * Drains, and at {@code deadline} revokes the requests still running ({@link Revocation#SHUTDOWN}) and
     * stops their children (SIGTERM, SIGKILL after {@code kill_grace}).
     */
    public CompletableFuture<Void> shutdown(Duration deadline) {
        beginDrain(deadline);
        return stopped;
    }

    /** Completes when the pool reached STOPPED. */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    /**
     * Replaces every current child without failing a request: idle children are stopped one at a time while
     * no replacement is starting, busy ones after their request. Completes when no child of the old
     * generation is left.
     */
    public CompletableFuture<Void> restart() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        lockedAndWake((now, after) -> {
            if (state != State.RUNNING) {
                throw new IllegalStateException("state: " + state);
            }
            spawning.restart(result, now, after);
        });
        return result;
    }

    /**
     * Changes {@code max_children} while running, validated against the pool's other settings as a new
     * configuration would be (a dynamic pool's {@code max_spare_servers} cannot exceed it). Growing: the sizing mode
     * spawns what it now wants (static: up to the new maximum; dynamic and ondemand: as spares and waiting callers
     * ask). Shrinking: idle children above the new maximum are stopped at once, least recently used first; busy
     * and starting ones once their request is done or they are ready — never during a request. Those exits count
     * as {@link ExitReason#IDLE}. Other settings and the children's generation are unchanged.
     *
     * @return the configuration now in force
     * @throws org.fcgate.pool.config.ConfigException when the value breaks a rule, with the rule
     * @throws IllegalStateException unless RUNNING
     */
    public PoolConfig resize(int maxChildren) {
        lockedAndWake((now, after) -> {
            if (state != State.RUNNING) {
                throw new IllegalStateException("state: " + state);
            }
            PoolConfig resized = config.withMaxChildren(maxChildren);
            log.info("[pool {}] max_children {} -> {}", name(), config.maxChildren(), maxChildren);
            config = resized;
            sizing.config(resized);
            stopIdleAboveMax(now, after);
            plan(now, after);
        });
        return config;
    }

    /** What {@link #stopChild} did. */
    public enum ChildStop {
        /** SIGTERM sent, SIGKILL after {@code kill_grace}; a request it served is revoked ({@code CHILD_FAILED}). */
        STOPPING,
        /** The child was being stopped already; nothing more was done. */
        ALREADY_STOPPING,
        /** No live child of this pool has that pid (the manager itself, pid 1, another pool's child, a reaped one). */
        NOT_A_CHILD
    }

    /**
     * Stops the child whose process id is {@code pid}, if it is one of this pool's (an operator's kill, php-fpm's
     * {@code kill} of a stuck worker): marked STOPPING with {@link ExitReason#KILLED}, so its exit is neither a crash
     * nor respawned as one; the pool's sizing replaces it. A request it is serving is revoked as
     * {@link Revocation#CHILD_FAILED} (the caller answers 502). Any other pid is left alone: this never signals a
     * process the pool did not start.
     */
    public ChildStop stopChild(long pid) {
        ChildStop[] result = {ChildStop.NOT_A_CHILD};
        lockedAndWake((now, after) -> {
            if (pid <= 0) {
                return;
            }
            for (ChildSlot s : board.all()) {
                if (s.pid != pid) {
                    continue;
                }
                if (s.state == ChildState.STOPPING) {
                    result[0] = ChildStop.ALREADY_STOPPING;
                    return;
                }
                log.warn("[pool {}] stopping child {} ({}) on request", name(), pid, s.state);
                if (s.lease != null) {
                    control.revoke(s, Revocation.CHILD_FAILED, after);
                }
                control.stop(s, ExitReason.KILLED, now, after);
                plan(now, after);
                result[0] = ChildStop.STOPPING;
                return;
            }
        });
        return result[0];
    }

    public State state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    /** The scoreboard: one consistent copy of every child and counter. */
    public PoolSnapshot snapshot() {
        lock.lock();
        try {
            return board.snapshot(name(), state.name(), crashGuard.degraded(), dispatch);
        } finally {
            lock.unlock();
        }
    }

    // ---- events from the launcher: spawned, ready, failed to start, exited (reaped) ----

    LaunchListener events() {
        return events;
    }

    private final class Events implements LaunchListener {
        @Override
        public void started(long childId, long pid, SocketAddress address) {
            locked((now, after) -> {
                ChildSlot slot = board.get(childId);
                if (slot != null) {
                    slot.pid = pid;
                    slot.address = address;
                }
            });
        }

        @Override
        public void ready(long childId) {
            lockedAndWake((now, after) -> {
                ChildSlot slot = board.get(childId);
                if (slot == null || slot.state != ChildState.STARTING) {
                    return;
                }
                crashGuard.recordSuccess();
                log.debug("[pool {}] child {} ready", name(), slot.pid);
                makeIdle(slot, now, after);
                plan(now, after);
            });
        }

        @Override
        public void startFailed(long childId, String why) {
            lockedAndWake((now, after) -> {
                ChildSlot slot = board.get(childId);
                if (slot == null || slot.state != ChildState.STARTING) {
                    return;
                }
                log.warn("[pool {}] child {} did not become ready: {}", name(), slot.pid, why);
                control.stop(slot, ExitReason.SPAWN_FAILED, now, after);
                reaping.recordFailure(now);
            });
        }

        @Override
        public void exited(long childId, ExitStatus status) {
            lockedAndWake((now, after) -> reap(childId, status, now, after));
        }
    }

    /** Removes an exited child, accounted for by {@link Reaping}; a lease it still held is revoked. */
    private void reap(long childId, ExitStatus status, long now, List<Runnable> after) {
        ChildSlot slot = board.remove(childId);
        if (slot == null) {
            return;
        }
        dispatch.removeIdle(slot);
        ChildControl.close(slot, after);
        reaping.bury(slot, status, now);
        if (slot.lease != null) {
            control.revoke(slot, Revocation.CHILD_FAILED, after);
        }
        if (state == State.RUNNING) {
            plan(now, after);
            if (crashGuard.degraded() && !crashGuard.maySpawn(now) && board.live() == 0) {
                board.countUnavailable(dispatch.rejectAll(RejectReason.DEGRADED, after));
            }
        } else if (state == State.DRAINING) {
            maybeStopped(after);
        }
    }

    // ---- decisions (all under lock) ----

    private RejectReason refusal() {
        return switch (state) {
            case NEW, STOPPED -> RejectReason.STOPPED;
            case DRAINING -> RejectReason.DRAINING;
            case RUNNING -> crashGuard.degraded() && !crashGuard.maySpawn(clock.getAsLong()) && board.live() == 0
                    ? RejectReason.DEGRADED : null;
        };
    }

    /** A free child goes to the queue head or the idle stack; outside RUNNING it is stopped instead. */
    private void makeIdle(ChildSlot slot, long now, List<Runnable> after) {
        if (state != State.RUNNING) {
            control.stop(slot, ExitReason.SHUTDOWN, now, after);
            return;
        }
        if (board.live() > config.maxChildren()) {
            control.stop(slot, ExitReason.IDLE, now, after); // above max_children after a resize
            return;
        }
        dispatch.offer(slot, now, after);
    }

    /** After a resize down: idle children above {@code max_children}, least recently used first. */
    private void stopIdleAboveMax(long now, List<Runnable> after) {
        int excess = board.live() - config.maxChildren();
        for (ChildSlot s : dispatch.idleOldestFirst()) {
            if (excess <= 0) {
                return;
            }
            control.stop(s, ExitReason.IDLE, now, after);
            excess--;
        }
    }

    /** Sizing and the rolling restart, only while RUNNING; returns when it wants to run again. */
    private long plan(long now, List<Runnable> after) {
        return state == State.RUNNING ? spawning.plan(now, after) : Long.MAX_VALUE;
    }

    private void killBusyAtDeadline(long now, List<Runnable> after) {
        for (ChildSlot s : board.all()) {
            if (s.state == ChildState.BUSY) {
                log.warn("[pool {}] shutdown deadline passed, terminating child {} serving '{}'", name(), s.pid,
                        s.lease == null ? "?" : s.lease.uri());
                if (s.lease != null) {
                    control.revoke(s, Revocation.SHUTDOWN, after);
                }
                control.stop(s, ExitReason.SHUTDOWN, now, after);
            }
        }
    }

    private void beginDrain(Duration deadline) {
        lockedAndWake((now, after) -> {
            if (deadline != null && (!shutdownDeadlineSet || now + deadline.toNanos() - shutdownDeadline < 0)) {
                shutdownDeadline = now + deadline.toNanos();
                shutdownDeadlineSet = true;
            }
            if (state == State.NEW) {
                state = State.STOPPED;
                after.add(() -> stopped.complete(null));
            } else if (state == State.RUNNING) {
                state = State.DRAINING;
                log.info("[pool {}] draining {} children{}", name(), board.size(),
                        deadline == null ? "" : ", deadline " + deadline);
                board.countUnavailable(dispatch.rejectAll(RejectReason.DRAINING, after));
                for (ChildSlot s : board.all()) {
                    if (s.state == ChildState.IDLE || s.state == ChildState.STARTING) {
                        control.stop(s, ExitReason.SHUTDOWN, now, after);
                    }
                }
                spawning.abandonRestart(after);
                maybeStopped(after);
            }
        });
    }

    private void maybeStopped(List<Runnable> after) {
        if (state == State.DRAINING && board.isEmpty()) {
            state = State.STOPPED;
            log.info("[pool {}] stopped", name());
            after.add(launcher::close);
            after.add(() -> stopped.complete(null));
        }
    }

    /** Runs {@code step} under the lock, then its deferred actions outside it. */
    private void locked(Step step) {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            step.run(clock.getAsLong(), after);
        } finally {
            lock.unlock();
        }
        runAll(after);
    }

    /** {@link #locked}, then asks the driver for a tick (a deadline may have moved). */
    private void lockedAndWake(Step step) {
        locked(step);
        wakeup.run();
    }

    private static void runAll(List<Runnable> actions) {
        for (Runnable r : actions) {
            r.run();
        }
    }
}
