package org.fcgate.pool;

import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.spawn.ChildLauncher;
import org.fcgate.pool.spawn.LaunchListener;
import org.fcgate.pool.status.ChildSnapshot;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.fcgate.pool.status.PoolCounters;
import org.fcgate.pool.status.PoolSnapshot;
import org.fcgate.pool.supervise.CrashLoopGuard;
import org.fcgate.pool.supervise.ExitStatus;
import org.fcgate.pool.supervise.Signal;
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
 * in which case BUSY → STOPPING — never during a request. STOPPING means SIGTERM was sent; SIGKILL follows
 * after {@code kill_grace}. The pool marks its own kills with a reason, so an exit in STOPPING is counted
 * under that reason and an exit in any other state is a crash (or {@link ExitReason#EXITED} for a clean
 * exit after serving), recorded by the {@link CrashLoopGuard}.
 *
 * <h2>Dispatch</h2>
 * Idle children sit on a stack: release pushes, acquire pops, so the least recently used sink to the
 * bottom and idle out. With no idle child, callers wait in a FIFO queue bounded by {@code queue_max} and
 * {@code queue_timeout}; a released or newly ready child goes straight to the queue head. A child is in at
 * most one of: the idle stack, one lease.
 *
 * <h2>Time</h2>
 * Events (acquire, release, child ready/exit) act at once. Deadlines (queue wait, request timeout, kill
 * grace, spawn timeout, idle timeout, lifetime, spawn pacing, crash backoff) are handled by
 * {@link #tick(long)}, which returns the delay until it next needs to run; the {@link PoolManager} drives it,
 * unit tests call it with a manual clock.
 */
public final class Pool {
    private static final Logger log = LoggerFactory.getLogger(Pool.class);
    private static final long MAX_TICK_NANOS = Duration.ofSeconds(1).toNanos();
    private static final long WARN_INTERVAL_NANOS = Duration.ofSeconds(10).toNanos();

    /** The pool's lifecycle; see the class comment. */
    public enum State { NEW, RUNNING, DRAINING, STOPPED }

    enum ReleaseKind { COMPLETED, BROKEN, UNUSED }

    private final PoolConfig config;
    private final ChildLauncher launcher;
    private final LongSupplier clock;
    private final RandomGenerator random;
    private final long wallBaseMillis;
    private final long nanoBase;
    private final Events events = new Events();
    private final ReentrantLock lock = new ReentrantLock();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile Runnable wakeup = () -> { };

    // Everything below is guarded by lock.
    private State state = State.NEW;
    private final Map<Long, ChildSlot> children = new LinkedHashMap<>();
    private final Deque<ChildSlot> idle = new ArrayDeque<>();
    private final Deque<Waiter> waiters = new ArrayDeque<>();
    private final CrashLoopGuard crashGuard;
    private final Map<ExitReason, Long> exits = new EnumMap<>(ExitReason.class);
    private long nextChildId = 1;
    private long nextSpawnAt;
    private long shutdownDeadline;
    private boolean shutdownDeadlineSet;
    private int generation;
    private CompletableFuture<Void> restart;
    private long lastMaxChildrenWarning;
    private boolean warnedMaxChildren;
    private long leases;
    private long rejectedQueueFull;
    private long rejectedQueueTimeout;
    private long rejectedUnavailable;
    private int maxQueueLength;
    private long queueWaitNanos;
    private long maxChildrenReached;
    private long spawns;

    private record Waiter(String uri, long enqueuedNanos, CompletableFuture<AcquireResult> future) {
    }

    /**
     * @param clock  monotonic nanoseconds ({@code System::nanoTime} in production, a manual clock in tests)
     * @param random source of {@code max_requests_jitter}
     */
    public Pool(PoolConfig config, ChildLauncher launcher, LongSupplier clock, RandomGenerator random) {
        this.config = config;
        this.launcher = launcher;
        this.clock = clock;
        this.random = random;
        this.nanoBase = clock.getAsLong();
        this.wallBaseMillis = System.currentTimeMillis();
        this.nextSpawnAt = nanoBase;
        this.crashGuard = new CrashLoopGuard(config.crashThreshold(), config.crashWindow(),
                config.crashBackoffInitial(), config.crashBackoffMax());
    }

    public String name() {
        return config.name();
    }

    public PoolConfig config() {
        return config;
    }

    /** Called whenever the pool needs {@link #tick} sooner than the delay it last returned. */
    public void onWakeup(Runnable wakeup) {
        this.wakeup = wakeup;
    }

    /** NEW → RUNNING: spawns the initial children (static: max_children, dynamic: start_servers). */
    public void start() {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (state != State.NEW) {
                throw new IllegalStateException("state: " + state);
            }
            state = State.RUNNING;
            int initial = switch (config.pm()) {
                case STATIC -> config.maxChildren();
                case DYNAMIC -> config.startServers();
                case ONDEMAND -> 0;
            };
            long now = clock.getAsLong();
            for (int i = 0; i < initial; i++) {
                spawn(now, after);
            }
            log.info("[pool {}] started, pm {}, {} children", name(), config.pm(), initial);
        } finally {
            lock.unlock();
        }
        runAll(after);
    }

    /**
     * Asks for a child for one request. Never blocks: the future is already complete when an idle child
     * exists or the caller is refused, otherwise it completes when a child frees up, becomes ready, or the
     * queue wait times out. Cancelling the future gives up the place in the queue.
     *
     * @param uri shown in the scoreboard while the request runs
     */
    public CompletableFuture<AcquireResult> acquire(String uri) {
        List<Runnable> after = new ArrayList<>();
        CompletableFuture<AcquireResult> future = new CompletableFuture<>();
        lock.lock();
        try {
            long now = clock.getAsLong();
            RejectReason refusal = refusal();
            if (refusal != null) {
                rejectedUnavailable++;
                future.complete(rejection(refusal));
                return future;
            }
            ChildSlot slot = idle.pollFirst();
            if (slot != null) {
                future.complete(new AcquireResult.Granted(grant(slot, uri, now)));
                return future;
            }
            pruneCancelledWaiters();
            if (waiters.size() >= config.queueMax()) {
                rejectedQueueFull++;
                warnOverloaded();
                future.complete(rejection(RejectReason.QUEUE_FULL));
                return future;
            }
            if (liveCount() >= config.maxChildren()) {
                maxChildrenReached++;
                warnMaxChildren(now);
            }
            waiters.addLast(new Waiter(uri, now, future));
            maxQueueLength = Math.max(maxQueueLength, waiters.size());
            plan(now, after);
        } finally {
            lock.unlock();
        }
        runAll(after);
        wakeup.run();
        return future;
    }

    /** Blocking convenience for tests and tools; never call it on an event loop. */
    public AcquireResult acquireBlocking(String uri) {
        return acquire(uri).join();
    }

    void release(Lease lease, ReleaseKind kind) {
        ChildSlot slot = lease.slot;
        long rss = kind == ReleaseKind.COMPLETED ? launcher.rssKb(slot.id) : 0;
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (lease.wasRevoked) {
                return;
            }
            if (lease.finished) {
                throw new IllegalStateException("lease already released: " + lease);
            }
            lease.finished = true;
            long now = clock.getAsLong();
            slot.lease = null;
            if (kind != ReleaseKind.UNUSED) {
                slot.requests++;
                slot.lastDurationNanos = now - slot.leaseStartNanos;
            }
            if (rss > 0) {
                slot.rssKb = rss;
            }
            ExitReason recycle = kind == ReleaseKind.BROKEN ? ExitReason.BROKEN : recycleReason(slot, now);
            if (recycle != null) {
                if (recycle == ExitReason.RSS) {
                    log.warn("[pool {}] child {} RSS {} KiB passed rss_limit_kb {}, recycling", name(), slot.pid,
                            slot.rssKb, config.rssLimitKb());
                }
                stop(slot, recycle, now, after);
            } else {
                makeIdle(slot, now, after);
            }
            plan(now, after);
        } finally {
            lock.unlock();
        }
        runAll(after);
        wakeup.run();
    }

    /**
     * Runs every deadline that has passed at {@code nowNanos} and returns the nanoseconds until the next one
     * (at most one second, so sizing is re-checked regularly).
     */
    public long tick(long nowNanos) {
        List<Runnable> after = new ArrayList<>();
        long next;
        lock.lock();
        try {
            next = nowNanos + MAX_TICK_NANOS;
            next = Math.min(next, expireWaiters(nowNanos, after));
            next = Math.min(next, sweepChildren(nowNanos, after));
            if (state == State.RUNNING) {
                next = Math.min(next, reapIdle(nowNanos, after));
                next = Math.min(next, plan(nowNanos, after));
            }
            if (state == State.DRAINING && shutdownDeadlineSet) {
                if (nowNanos - shutdownDeadline >= 0) {
                    killBusyAtDeadline(nowNanos, after);
                } else {
                    next = Math.min(next, shutdownDeadline);
                }
            }
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
        List<Runnable> after = new ArrayList<>();
        CompletableFuture<Void> result;
        lock.lock();
        try {
            if (state != State.RUNNING) {
                throw new IllegalStateException("state: " + state);
            }
            generation++;
            if (restart != null) {
                restart.complete(null);
            }
            restart = new CompletableFuture<>();
            result = restart;
            log.info("[pool {}] rolling restart of {} children", name(), liveCount());
            plan(clock.getAsLong(), after);
        } finally {
            lock.unlock();
        }
        runAll(after);
        wakeup.run();
        return result;
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
            List<ChildSnapshot> rows = new ArrayList<>(children.size());
            for (ChildSlot s : children.values()) {
                boolean busy = s.state == ChildState.BUSY;
                rows.add(new ChildSnapshot(s.id, s.pid, s.state, wall(s.startNanos), s.requests,
                        busy ? wall(s.leaseStartNanos) : null, busy && s.lease != null ? s.lease.uri() : null,
                        s.lastDurationNanos < 0 ? null : Duration.ofNanos(s.lastDurationNanos), s.rssKb));
            }
            pruneCancelledWaiters();
            PoolCounters counters = new PoolCounters(leases, rejectedQueueFull, rejectedQueueTimeout,
                    rejectedUnavailable, waiters.size(), maxQueueLength, Duration.ofNanos(queueWaitNanos),
                    maxChildrenReached, spawns, exits);
            return new PoolSnapshot(name(), state.name(), crashGuard.degraded(), rows, counters);
        } finally {
            lock.unlock();
        }
    }

    // ---- events from the launcher ----

    LaunchListener events() {
        return events;
    }

    private final class Events implements LaunchListener {
        @Override
        public void started(long childId, long pid, SocketAddress address) {
            lock.lock();
            try {
                ChildSlot slot = children.get(childId);
                if (slot != null) {
                    slot.pid = pid;
                    slot.address = address;
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void ready(long childId) {
            List<Runnable> after = new ArrayList<>();
            lock.lock();
            try {
                ChildSlot slot = children.get(childId);
                if (slot == null || slot.state != ChildState.STARTING) {
                    return;
                }
                long now = clock.getAsLong();
                crashGuard.recordSuccess();
                log.debug("[pool {}] child {} ready", name(), slot.pid);
                if (state != State.RUNNING) {
                    stop(slot, ExitReason.SHUTDOWN, now, after);
                } else {
                    makeIdle(slot, now, after);
                    plan(now, after);
                }
            } finally {
                lock.unlock();
            }
            runAll(after);
            wakeup.run();
        }

        @Override
        public void startFailed(long childId, String why) {
            List<Runnable> after = new ArrayList<>();
            lock.lock();
            try {
                ChildSlot slot = children.get(childId);
                if (slot == null || slot.state != ChildState.STARTING) {
                    return;
                }
                log.warn("[pool {}] child {} did not become ready: {}", name(), slot.pid, why);
                stop(slot, ExitReason.SPAWN_FAILED, clock.getAsLong(), after);
            } finally {
                lock.unlock();
            }
            runAll(after);
            wakeup.run();
        }

        @Override
        public void exited(long childId, ExitStatus status) {
            List<Runnable> after = new ArrayList<>();
            lock.lock();
            try {
                onExit(childId, status, clock.getAsLong(), after);
            } finally {
                lock.unlock();
            }
            runAll(after);
            wakeup.run();
        }
    }

    private void onExit(long childId, ExitStatus status, long now, List<Runnable> after) {
        ChildSlot slot = children.remove(childId);
        if (slot == null) {
            return;
        }
        idle.remove(slot);
        ChildState was = slot.state;
        ExitReason reason;
        if (was == ChildState.STOPPING) {
            reason = slot.stopReason;
        } else if (status.isCleanExit() && was != ChildState.STARTING && slot.lease == null) {
            reason = ExitReason.EXITED;
        } else {
            reason = ExitReason.CRASH;
        }
        exits.merge(reason, 1L, Long::sum);
        if (slot.lease != null) {
            revoke(slot, Revocation.CHILD_FAILED, after);
        }
        long age = (now - slot.startNanos) / 1_000_000;
        if (reason == ExitReason.CRASH || reason == ExitReason.SPAWN_FAILED) {
            log.warn("[pool {}] child {} {} while {} after {} ms, {} requests", name(), slot.pid, status,
                    was, age, slot.requests);
            Duration backoff = crashGuard.recordFailure(now);
            if (!backoff.isZero()) {
                log.error("[pool {}] {} child failures within {}: pool degraded, respawning in {}", name(),
                        config.crashThreshold(), config.crashWindow(), backoff);
            }
        } else {
            log.info("[pool {}] child {} {} ({}) after {} ms, {} requests", name(), slot.pid, status,
                    reason, age, slot.requests);
        }
        if (state == State.RUNNING) {
            plan(now, after);
            if (crashGuard.degraded() && !crashGuard.maySpawn(now) && liveCount() == 0) {
                rejectAllWaiters(RejectReason.DEGRADED, after);
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
            case RUNNING -> crashGuard.degraded() && !crashGuard.maySpawn(clock.getAsLong()) && liveCount() == 0
                    ? RejectReason.DEGRADED : null;
        };
    }

    private Lease grant(ChildSlot slot, String uri, long now) {
        slot.state = ChildState.BUSY;
        slot.leaseStartNanos = now;
        Lease lease = new Lease(this, slot, uri);
        slot.lease = lease;
        leases++;
        return lease;
    }

    /** Gives a free child to the queue head, else pushes it on top of the idle stack (MRU). */
    private void makeIdle(ChildSlot slot, long now, List<Runnable> after) {
        if (state != State.RUNNING) {
            stop(slot, ExitReason.SHUTDOWN, now, after);
            return;
        }
        Waiter w;
        while ((w = waiters.pollFirst()) != null) {
            if (w.future.isDone()) {
                continue;
            }
            Lease lease = grant(slot, w.uri, now);
            queueWaitNanos += now - w.enqueuedNanos;
            CompletableFuture<AcquireResult> f = w.future;
            after.add(() -> {
                if (!f.complete(new AcquireResult.Granted(lease))) {
                    release(lease, ReleaseKind.UNUSED);
                }
            });
            return;
        }
        slot.state = ChildState.IDLE;
        slot.idleSinceNanos = now;
        idle.addFirst(slot);
    }

    private ExitReason recycleReason(ChildSlot slot, long now) {
        if (state != State.RUNNING) {
            return ExitReason.SHUTDOWN;
        }
        if (slot.recycleAfterRequests > 0 && slot.requests >= slot.recycleAfterRequests) {
            return ExitReason.MAX_REQUESTS;
        }
        if (config.maxLifetime().compareTo(Duration.ZERO) > 0 && now - slot.startNanos >= config.maxLifetime().toNanos()) {
            return ExitReason.LIFETIME;
        }
        if (config.rssLimitKb() > 0 && slot.rssKb > config.rssLimitKb()) {
            return ExitReason.RSS;
        }
        if (slot.generation < generation) {
            return ExitReason.RESTART;
        }
        return null;
    }

    private void stop(ChildSlot slot, ExitReason reason, long now, List<Runnable> after) {
        if (slot.state == ChildState.STOPPING) {
            return;
        }
        if (slot.state == ChildState.IDLE) {
            idle.remove(slot);
        }
        slot.state = ChildState.STOPPING;
        slot.stopReason = reason;
        long id = slot.id;
        if (config.killGrace().isZero()) {
            slot.killSent = true;
            after.add(() -> launcher.signal(id, Signal.KILL));
        } else {
            slot.killAtNanos = now + config.killGrace().toNanos();
            after.add(() -> launcher.signal(id, Signal.TERM));
        }
        log.debug("[pool {}] stopping child {} ({})", name(), slot.pid, reason);
    }

    private void revoke(ChildSlot slot, Revocation why, List<Runnable> after) {
        Lease lease = slot.lease;
        slot.lease = null;
        lease.wasRevoked = true;
        lease.finished = true;
        after.add(() -> lease.completeRevocation(why));
    }

    private void spawn(long now, List<Runnable> after) {
        long id = nextChildId++;
        long recycleAt = 0;
        if (config.maxRequests() > 0) {
            int jitter = config.maxRequestsJitter();
            recycleAt = config.maxRequests() + (jitter == 0 ? 0 : random.nextInt(-jitter, jitter + 1));
        }
        ChildSlot slot = new ChildSlot(id, generation, now, recycleAt);
        children.put(id, slot);
        spawns++;
        nextSpawnAt = now + 1_000_000_000L / config.spawnRatePerSecond();
        after.add(() -> launcher.launch(id, events));
    }

    /**
     * Sizing: spawns what the mode and the queue ask for, paced by {@code spawn_rate} and the crash guard;
     * advances a rolling restart. Returns the time it wants to run again.
     */
    private long plan(long now, List<Runnable> after) {
        if (state != State.RUNNING) {
            return Long.MAX_VALUE;
        }
        int live = liveCount();
        int starting = count(ChildState.STARTING);
        int want = switch (config.pm()) {
            case STATIC -> config.maxChildren() - live;
            case DYNAMIC -> config.minSpareServers() - (idle.size() + starting);
            case ONDEMAND -> 0;
        };
        pruneCancelledWaiters();
        want = Math.max(want, waiters.size() - starting);
        want = Math.min(want, config.maxChildren() - live);
        long next = Long.MAX_VALUE;
        for (int i = 0; i < want; i++) {
            if (!crashGuard.maySpawn(now)) {
                next = crashGuard.blockedUntil();
                break;
            }
            if (nextSpawnAt - now > 0) {
                next = nextSpawnAt;
                break;
            }
            spawn(now, after);
        }
        advanceRestart(now, after);
        return next;
    }

    private void advanceRestart(long now, List<Runnable> after) {
        if (restart == null) {
            return;
        }
        boolean oldLeft = false;
        for (ChildSlot s : children.values()) {
            if (s.generation < generation && s.live()) {
                oldLeft = true;
                break;
            }
        }
        if (!oldLeft) {
            CompletableFuture<Void> done = restart;
            restart = null;
            log.info("[pool {}] rolling restart complete", name());
            after.add(() -> done.complete(null));
            return;
        }
        if (count(ChildState.STARTING) > 0) {
            return;
        }
        // Oldest-used first, so the children most likely to be leased next are replaced last.
        Iterator<ChildSlot> it = idle.descendingIterator();
        while (it.hasNext()) {
            ChildSlot s = it.next();
            if (s.generation < generation) {
                stop(s, ExitReason.RESTART, now, after);
                return;
            }
        }
    }

    /** Idle timeouts (ondemand, dynamic above min spare), max spare, idle lifetime. */
    private long reapIdle(long now, List<Runnable> after) {
        long next = Long.MAX_VALUE;
        long idleTimeout = config.idleTimeout().toNanos();
        if (config.maxLifetime().compareTo(Duration.ZERO) > 0) {
            long lifetime = config.maxLifetime().toNanos();
            for (ChildSlot s : new ArrayList<>(idle)) {
                long end = s.startNanos + lifetime;
                if (now - end >= 0) {
                    stop(s, ExitReason.LIFETIME, now, after);
                } else {
                    next = Math.min(next, end);
                }
            }
        }
        int keep = switch (config.pm()) {
            case STATIC -> Integer.MAX_VALUE;
            case DYNAMIC -> config.minSpareServers();
            case ONDEMAND -> 0;
        };
        if (config.pm() == PmMode.DYNAMIC) {
            while (idle.size() > config.maxSpareServers()) {
                stop(idle.peekLast(), ExitReason.IDLE, now, after);
            }
        }
        while (idle.size() > keep) {
            ChildSlot lru = idle.peekLast();
            long end = lru.idleSinceNanos + idleTimeout;
            if (now - end < 0) {
                next = Math.min(next, end);
                break;
            }
            stop(lru, ExitReason.IDLE, now, after);
        }
        return next;
    }

    /** Request timeouts, spawn timeouts, SIGKILL after the grace. */
    private long sweepChildren(long now, List<Runnable> after) {
        long next = Long.MAX_VALUE;
        long requestTimeout = config.requestTimeout().toNanos();
        long spawnTimeout = config.spawnTimeout().toNanos();
        for (ChildSlot s : new ArrayList<>(children.values())) {
            switch (s.state) {
                case BUSY -> {
                    if (requestTimeout > 0 && s.lease != null) {
                        long end = s.leaseStartNanos + requestTimeout;
                        if (now - end >= 0) {
                            log.warn("[pool {}] child {}, request '{}' execution timed out ({} ms), terminating",
                                    name(), s.pid, s.lease.uri(), requestTimeout / 1_000_000);
                            revoke(s, Revocation.TIMED_OUT, after);
                            stop(s, ExitReason.TIMEOUT, now, after);
                            next = Math.min(next, s.killAtNanos);
                        } else {
                            next = Math.min(next, end);
                        }
                    }
                }
                case STARTING -> {
                    long end = s.startNanos + spawnTimeout;
                    if (now - end >= 0) {
                        log.warn("[pool {}] child {} not ready after {} ms, terminating", name(), s.pid,
                                spawnTimeout / 1_000_000);
                        stop(s, ExitReason.SPAWN_FAILED, now, after);
                    } else {
                        next = Math.min(next, end);
                    }
                }
                case STOPPING -> {
                    if (!s.killSent) {
                        if (now - s.killAtNanos >= 0) {
                            s.killSent = true;
                            long id = s.id;
                            log.warn("[pool {}] child {} still alive {} ms after SIGTERM, sent SIGKILL", name(),
                                    s.pid, config.killGrace().toMillis());
                            after.add(() -> launcher.signal(id, Signal.KILL));
                        } else {
                            next = Math.min(next, s.killAtNanos);
                        }
                    }
                }
                case IDLE -> { }
            }
        }
        return next;
    }

    private long expireWaiters(long now, List<Runnable> after) {
        long timeout = config.queueTimeout().toNanos();
        long next = Long.MAX_VALUE;
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (w.future.isDone()) {
                it.remove();
                continue;
            }
            long end = w.enqueuedNanos + timeout;
            if (now - end >= 0) {
                it.remove();
                rejectedQueueTimeout++;
                CompletableFuture<AcquireResult> f = w.future;
                AcquireResult r = rejection(RejectReason.QUEUE_TIMEOUT);
                after.add(() -> f.complete(r));
            } else {
                // FIFO: later waiters expire later.
                next = end;
                break;
            }
        }
        return next;
    }

    private void killBusyAtDeadline(long now, List<Runnable> after) {
        for (ChildSlot s : children.values()) {
            if (s.state == ChildState.BUSY) {
                log.warn("[pool {}] shutdown deadline passed, terminating child {} serving '{}'", name(), s.pid,
                        s.lease == null ? "?" : s.lease.uri());
                if (s.lease != null) {
                    revoke(s, Revocation.SHUTDOWN, after);
                }
                stop(s, ExitReason.SHUTDOWN, now, after);
            }
        }
    }

    private void beginDrain(Duration deadline) {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            long now = clock.getAsLong();
            if (deadline != null && (!shutdownDeadlineSet || now + deadline.toNanos() - shutdownDeadline < 0)) {
                shutdownDeadline = now + deadline.toNanos();
                shutdownDeadlineSet = true;
            }
            if (state == State.NEW) {
                state = State.STOPPED;
                after.add(() -> stopped.complete(null));
            } else if (state == State.RUNNING) {
                state = State.DRAINING;
                log.info("[pool {}] draining {} children{}", name(), children.size(),
                        deadline == null ? "" : ", deadline " + deadline);
                rejectAllWaiters(RejectReason.DRAINING, after);
                for (ChildSlot s : new ArrayList<>(children.values())) {
                    if (s.state == ChildState.IDLE || s.state == ChildState.STARTING) {
                        stop(s, ExitReason.SHUTDOWN, now, after);
                    }
                }
                if (restart != null) {
                    CompletableFuture<Void> r = restart;
                    restart = null;
                    after.add(() -> r.complete(null));
                }
                maybeStopped(after);
            }
        } finally {
            lock.unlock();
        }
        runAll(after);
        wakeup.run();
    }

    private void maybeStopped(List<Runnable> after) {
        if (state == State.DRAINING && children.isEmpty()) {
            state = State.STOPPED;
            log.info("[pool {}] stopped", name());
            after.add(launcher::close);
            after.add(() -> stopped.complete(null));
        }
    }

    private void rejectAllWaiters(RejectReason reason, List<Runnable> after) {
        Waiter w;
        while ((w = waiters.pollFirst()) != null) {
            if (reason == RejectReason.DEGRADED || reason == RejectReason.DRAINING) {
                rejectedUnavailable++;
            }
            CompletableFuture<AcquireResult> f = w.future;
            AcquireResult r = rejection(reason);
            after.add(() -> f.complete(r));
        }
    }

    private void pruneCancelledWaiters() {
        waiters.removeIf(w -> w.future.isDone());
    }

    private AcquireResult rejection(RejectReason reason) {
        return new AcquireResult.Rejected(reason, config.retryAfter());
    }

    private void warnMaxChildren(long now) {
        if (!warnedMaxChildren || now - lastMaxChildrenWarning >= WARN_INTERVAL_NANOS) {
            warnedMaxChildren = true;
            lastMaxChildrenWarning = now;
            log.warn("[pool {}] server reached max_children setting ({}), consider raising it", name(),
                    config.maxChildren());
        }
    }

    private void warnOverloaded() {
        if (rejectedQueueFull == 1 || rejectedQueueFull % 1000 == 0) {
            log.warn("[pool {}] queue full ({} waiting), refusing callers; {} refused so far", name(),
                    waiters.size(), rejectedQueueFull);
        }
    }

    private int liveCount() {
        int n = 0;
        for (ChildSlot s : children.values()) {
            if (s.live()) {
                n++;
            }
        }
        return n;
    }

    private int count(ChildState st) {
        int n = 0;
        for (ChildSlot s : children.values()) {
            if (s.state == st) {
                n++;
            }
        }
        return n;
    }

    private Instant wall(long nanos) {
        return Instant.ofEpochMilli(wallBaseMillis + (nanos - nanoBase) / 1_000_000);
    }

    private static void runAll(List<Runnable> actions) {
        for (Runnable r : actions) {
            r.run();
        }
    }
}
