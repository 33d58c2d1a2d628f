package org.fcgate.gateway.fastcgi;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.fcgate.gateway.error.Reason;
import org.fcgate.pool.Revocation;

/**
 * The connections to one external FastCGI server: at most {@code maxConnections} open (connecting, busy or kept
 * idle), closed after the idle timeout. Requests beyond the cap wait FIFO for a slot, at most the queue timeout
 * (then 503).
 *
 * <p>A kept connection is reused on its own event loop when one is idle there; otherwise it moves to the loop of the
 * request that takes it ({@link ChannelMove}): a request on any loop, and the head waiter whichever loop it is on,
 * gets the kept connection, never a new connect while kept ones sit idle elsewhere (that closed one and connected
 * another per request, which made keep_conn slower than a connection per request).
 *
 * <p>Slot accounting: {@link #open} counts every connection from the connect attempt until its close or its hand-over
 * to a waiter; each slot is given back exactly once. Guarded by {@code this}; callbacks run outside the lock on the
 * waiter's loop.
 *
 * <p>What requests see of the server goes to its {@link ServerHealth}: a failed connect, and a request that the server
 * failed before answering ({@link Backend.Session#releaseFailed}), count as failures; an END_REQUEST resets them.
 *
 * <p>{@code write_ahead} (with keep_conn): a request that would wait for a slot, whose body is small and in memory, may
 * instead be written on a busy kept connection on its own event loop, behind a current request that is fully written,
 * has nothing ahead of it and runs for less than the duration (the youngest such one). The server reads it when it
 * has written the current one's END_REQUEST (php-fpm and php-cgi read a kept connection's next request only then);
 * it is promoted in that END_REQUEST's read ({@link Backend.Session#whenPromoted}). If the current request fails or
 * the connection is lost first, the one ahead is revoked {@link Revocation#NOT_STARTED} and asked for again. Waiters
 * on a connection's loop are offered its place ahead too, as soon as its current request is written, passing the
 * waiters before them once at most. One given up by its exchange after it was written (the client left) closes the
 * connection once the current request ends; if that one ended with END_REQUEST the server goes on to read and run it,
 * so it counts in the server's stats once, with the status its exchange gave (499).
 */
final class ServerConnections implements ExternalServer {

    /** nginx's status for a client that left before the answer: a request written ahead and given up counts so. */
    private static final int CLIENT_CLOSED = 499;

    private final BackendAddress address;
    private final SocketAddress resolved;
    private final ExternalServerOptions server;
    private final FastCgiUpstreamOptions options;
    private final ServerHealth health;
    private final ServerStats stats;
    private final Map<EventLoop, ArrayDeque<Pooled>> idle = new IdentityHashMap<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /** Connections lent to a request (write_ahead only: where a request may go ahead). */
    private final java.util.ArrayList<Pooled> busy = new java.util.ArrayList<>();
    private final long writeAheadNanos;
    private int open;
    /** Connections in {@link #idle}, on every loop. */
    private int idleCount;
    private boolean closed;

    ServerConnections(BackendAddress address, ExternalServerOptions server, FastCgiUpstreamOptions options) {
        this(address, server, options, new ServerStats());
    }

    /** @param stats the server's counters: new ones, or those of the previous generation of the group */
    ServerConnections(BackendAddress address, ExternalServerOptions server, FastCgiUpstreamOptions options,
                      ServerStats stats) {
        this.stats = stats;
        this.address = address;
        this.resolved = address.toSocketAddress(Transport.current()); // resolved once, at start-up
        this.server = server;
        this.options = options;
        this.writeAheadNanos = server.writesAhead() ? server.writeAhead().toNanos() : 0;
        this.health = new ServerHealth(server.name(), address.toString(), server.failover(), server.tracksHealth(),
                stats);
    }

    BackendAddress address() {
        return address;
    }

    SocketAddress resolved() {
        return resolved;
    }

    @Override
    public ServerHealth health() {
        return health;
    }

    @Override
    public ServerStats stats() {
        return stats;
    }

    /** Whether a request would get a connection without waiting. */
    synchronized boolean hasCapacity(EventLoop loop) {
        return open < server.maxConnections() || idleCount > 0;
    }

    @Override
    public synchronized int openConnections() {
        return open;
    }

    /** Requests waiting for a connection now. */
    synchronized int waiting() {
        return waiters.size();
    }

    synchronized int idleConnections() {
        return idleCount;
    }

    Runnable acquire(EventLoop loop, Backend.Callback callback, boolean fresh) {
        return acquire(loop, callback, fresh, false);
    }

    /**
     * @param fresh      never an idle connection: a new one, evicting an idle one at the cap (the stale-retry case)
     * @param mayGoAhead at the cap, it may be written ahead on a busy kept connection on {@code loop} (write_ahead)
     */
    Runnable acquire(EventLoop loop, Backend.Callback callback, boolean fresh, boolean mayGoAhead) {
        Pooled reuse = null;
        Pooled move = null;
        Pooled evict = null;
        Waiter waiter = null;
        PooledSession ahead = null;
        synchronized (this) {
            if (closed) {
                loop.execute(() -> callback.failed(Backend.Failure.of(Reason.BACKEND_UNAVAILABLE, "upstream closed")));
                return () -> { };
            }
            reuse = fresh ? null : pollIdle(loop);
            if (reuse == null) {
                if (open < server.maxConnections()) {
                    open++;
                    stats.connectionsChanged(1);
                } else if (!fresh && (move = pollAnyIdle()) != null) {
                    // at the cap, an idle one on another loop comes here (below)
                } else if (fresh && (evict = pollAnyIdle()) != null) {
                    // the stale-retry case: its slot goes to a new connection (below)
                } else if (mayGoAhead && writeAheadNanos > 0 && waiters.isEmpty() && loop.inEventLoop()
                        && (ahead = grantAhead(loop, System.nanoTime())) != null) {
                    // written behind the youngest current request on this loop (below)
                } else {
                    waiter = new Waiter(loop, callback, mayGoAhead && writeAheadNanos > 0);
                    waiters.addLast(waiter);
                }
            }
        }
        if (ahead != null) {
            callback.opened(ahead); // on loop: no task (Backend#open allows it)
            return () -> { };
        }
        if (reuse != null) {
            Pooled r = reuse;
            r.cancelIdleTimer();
            Runnable give = () -> handOver(r, loop, callback);
            if (!loop.inEventLoop()) {
                loop.execute(give);
            } else if (!r.handler.isReading()) {
                give.run(); // no task: the answer is at hand (Backend#open allows it)
            } else if (!r.handler.runAfterRead(give)) {
                // A pipelined request freed by this very connection's END_REQUEST, while its read is being parsed:
                // the hand-over waits until every byte of that read went to the request that ended.
                loop.execute(give);
            }
            return () -> { };
        }
        if (move != null) {
            Pooled m = move;
            m.cancelIdleTimer();
            ChannelMove.moveTo(m.channel, loop, () -> handOver(m, loop, callback));
            return () -> { };
        }
        if (waiter != null) {
            Waiter w = waiter;
            w.timer = loop.schedule(() -> waitedTooLong(w), server.queueTimeout().toNanos(), TimeUnit.NANOSECONDS);
            return () -> cancel(w);
        }
        if (evict != null) {
            // The slot of an idle connection on another loop moves to this request.
            evict.cancelIdleTimer();
            evict.channel.close();
        }
        return connect(loop, callback);
    }

    private Runnable connect(EventLoop loop, Backend.Callback callback) {
        BackendHandler handler = new BackendHandler(options.limits());
        boolean[] cancelled = new boolean[1];
        ChannelFuture f = Backend.connect(loop, address, resolved, options.connectTimeout(), handler);
        f.channel().pipeline().addFirst(new SendTimeoutHandler(server.sendTimeout()));
        f.addListener(done -> {
            if (done.isSuccess()) {
                Pooled p = new Pooled(f.channel(), handler);
                if (cancelled[0]) {
                    giveBack(p, true);
                } else {
                    callback.opened(lend(p, false));
                }
            } else {
                slotFreed();
                Backend.Failure failure = Backend.connectFailure(address, done.cause(), server.retryAfter());
                health.requestFailed(System.nanoTime(), failure.cause());
                if (!cancelled[0]) {
                    callback.failed(failure);
                }
            }
        });
        return () -> cancelled[0] = true; // called on the loop, like the listener
    }

    /** On {@code loop}, the loop of the request that takes {@code p} (a failed move leaves p on its old one). */
    private void handOver(Pooled p, EventLoop loop, Backend.Callback callback) {
        if (!p.channel.isActive()) {
            // Closed while idle between poll and now: try again with its slot, on the request's loop.
            connect(loop, callback);
            return;
        }
        callback.opened(lend(p, true));
    }

    /** {@code p} goes to one request, as its current one. */
    private PooledSession lend(Pooled p, boolean reused) {
        PooledSession s = new PooledSession(p, reused, false);
        if (writeAheadNanos > 0) {
            synchronized (this) {
                p.current = s;
                p.currentSent = false;
                p.currentSince = System.nanoTime();
                busy.add(p);
            }
        }
        return s;
    }

    /** Whether a request may be written behind {@code p}'s current one now. Guarded by {@code this}. */
    private boolean takesAhead(Pooled p, long now) {
        return p.current != null && p.currentSent && p.ahead == null && now - p.currentSince < writeAheadNanos
                && p.channel.isActive();
    }

    /** A session ahead on the busy connection on {@code loop} whose current request is the youngest; or null. */
    private PooledSession grantAhead(EventLoop loop, long now) {
        Pooled best = null;
        for (Pooled p : busy) {
            if (p.channel.eventLoop() == loop && takesAhead(p, now)
                    && (best == null || p.currentSince - best.currentSince > 0)) {
                best = p;
            }
        }
        return best == null ? null : grantAhead(best);
    }

    private PooledSession grantAhead(Pooled p) {
        PooledSession s = new PooledSession(p, true, true);
        p.ahead = s;
        stats.wroteAhead();
        return s;
    }

    /**
     * On {@code p}'s loop, once its current request is written: the first waiter on that loop that may go ahead gets
     * the place behind it; the waiters before it are passed, each once at most ({@link Waiter#passes}).
     */
    private void offerAhead(Pooled p) {
        Waiter chosen = null;
        PooledSession s;
        synchronized (this) {
            if (waiters.isEmpty() || !takesAhead(p, System.nanoTime())) {
                return;
            }
            EventLoop home = p.channel.eventLoop();
            for (Waiter w : waiters) {
                if (w.loop == home && w.mayGoAhead) {
                    chosen = w;
                    break;
                }
                if (w.passes > 0) {
                    break;
                }
            }
            if (chosen == null) {
                return;
            }
            for (java.util.Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                Waiter w = it.next();
                if (w == chosen) {
                    it.remove();
                    break;
                }
                w.passes++;
            }
            s = grantAhead(p);
        }
        Waiter w = chosen;
        if (w.timer != null) {
            w.timer.cancel(false);
        }
        // A task: we are inside the current request's write (or its predecessor's END_REQUEST read).
        w.loop.execute(() -> w.callback.opened(s));
    }

    /** A request is done with a connection: reuse it, give it to a waiter, or close it. */
    private void giveBack(Pooled p, boolean reusable) {
        reusable = reusable && server.keepAlive() && p.channel.isActive();
        Waiter next;
        synchronized (this) {
            next = waiters.pollFirst();
            if (next == null && reusable && !closed) {
                idle.computeIfAbsent(p.channel.eventLoop(), l -> new ArrayDeque<>()).addFirst(p);
                idleCount++;
            }
        }
        if (next != null) {
            if (next.timer != null) {
                next.timer.cancel(false);
            }
            Waiter w = next;
            if (reusable && w.loop == p.channel.eventLoop()) {
                // a task, not a call: we are inside the previous request's END_REQUEST, in its decoder
                w.loop.execute(() -> handOver(p, w.loop, w.callback));
            } else if (reusable) {
                ChannelMove.moveTo(p.channel, w.loop, () -> handOver(p, w.loop, w.callback));
            } else {
                p.channel.close();
                w.loop.execute(() -> connect(w.loop, w.callback));
            }
            return;
        }
        if (reusable && !closed) {
            p.handler.detach(() -> idleLost(p));
            p.idleTimer = p.channel.eventLoop().schedule(() -> idleExpired(p), server.idleTimeout().toNanos(),
                    TimeUnit.NANOSECONDS);
            p.channel.read(); // notice a close (or stray bytes) while idle
            return;
        }
        p.channel.close();
        slotFreed();
    }

    private void idleExpired(Pooled p) {
        if (removeIdle(p)) {
            p.channel.close();
            slotFreed();
        }
    }

    private void idleLost(Pooled p) {
        if (removeIdle(p)) {
            p.cancelIdleTimer();
            slotFreed();
        }
    }

    private synchronized boolean removeIdle(Pooled p) {
        ArrayDeque<Pooled> q = idle.get(p.channel.eventLoop());
        if (q != null && q.remove(p)) {
            idleCount--;
            return true;
        }
        return false;
    }

    private void slotFreed() {
        Waiter next;
        synchronized (this) {
            next = waiters.pollFirst();
            if (next == null) {
                open--;
                stats.connectionsChanged(-1);
                return;
            }
        }
        if (next.timer != null) {
            next.timer.cancel(false);
        }
        Waiter w = next;
        w.loop.execute(() -> connect(w.loop, w.callback));
    }

    private void waitedTooLong(Waiter w) {
        boolean removed;
        synchronized (this) {
            removed = waiters.remove(w);
        }
        if (removed) {
            w.callback.failed(new Backend.Failure(Reason.BACKEND_OVERLOADED, "no connection to " + address
                    + " within " + server.queueTimeout().toMillis() + " ms (max connections "
                    + server.maxConnections() + ")", Optional.of(server.retryAfter())));
        }
    }

    private void cancel(Waiter w) {
        synchronized (this) {
            waiters.remove(w);
        }
        w.timer.cancel(false);
    }

    private Pooled pollIdle(EventLoop loop) {
        ArrayDeque<Pooled> q = idle.get(loop);
        Pooled p = q == null ? null : q.pollFirst();
        if (p != null) {
            idleCount--;
        }
        return p;
    }

    private Pooled pollAnyIdle() {
        for (ArrayDeque<Pooled> q : idle.values()) {
            Pooled p = q.pollLast(); // the least recently used
            if (p != null) {
                idleCount--;
                return p;
            }
        }
        return null;
    }

    void close() {
        java.util.List<Pooled> all = new java.util.ArrayList<>();
        synchronized (this) {
            closed = true;
            for (ArrayDeque<Pooled> q : idle.values()) {
                all.addAll(q);
                open -= q.size();
                stats.connectionsChanged(-q.size());
                q.clear();
            }
            idleCount = 0;
        }
        for (Pooled p : all) {
            p.cancelIdleTimer();
            p.channel.close();
        }
    }

    private static final class Waiter {
        final EventLoop loop;
        final Backend.Callback callback;
        final boolean mayGoAhead;
        /** Times a waiter behind it went ahead; guarded by the ServerConnections. */
        int passes;
        ScheduledFuture<?> timer;

        Waiter(EventLoop loop, Backend.Callback callback, boolean mayGoAhead) {
            this.loop = loop;
            this.callback = callback;
            this.mayGoAhead = mayGoAhead;
        }
    }

    private static final class Pooled {
        final Channel channel;
        final BackendHandler handler;
        ScheduledFuture<?> idleTimer;
        // write_ahead only, guarded by the ServerConnections:
        /** The request the connection is lent to (its server reads this one now). */
        PooledSession current;
        /** When {@link #current} began (its promotion for one that was ahead). */
        long currentSince;
        /** Whether {@link #current} is written whole. */
        boolean currentSent;
        /** The request written behind {@link #current}, if any. */
        PooledSession ahead;

        Pooled(Channel channel, BackendHandler handler) {
            this.channel = channel;
            this.handler = handler;
        }

        void cancelIdleTimer() {
            if (idleTimer != null) {
                idleTimer.cancel(false);
                idleTimer = null;
            }
        }
    }

    /**
     * One request's use of a pooled connection; what it sent there ends up in {@link #stats}. A session granted ahead
     * (write_ahead) shares the connection with its current request until its promotion: until then it never closes,
     * reads or gives back the connection; it is counted once, from its promotion.
     */
    private final class PooledSession implements Backend.Session {
        private final Pooled pooled;
        private final boolean reused;
        private boolean done;
        private boolean begun;
        private long begunAt;
        private long firstByteNanos = -1;
        private int status;
        /** Granted ahead and not promoted yet. */
        private boolean ahead;
        /** Ahead: its request is written whole. */
        private boolean sent;
        /** Ahead: its exchange gave it up after writing it; the connection closes when the current request ends. */
        private boolean abandoned;
        private Runnable onPromoted;
        private CompletableFuture<Revocation> revoked;

        PooledSession(Pooled pooled, boolean reused, boolean ahead) {
            this.pooled = pooled;
            this.reused = reused;
            this.ahead = ahead;
        }

        @Override
        public boolean reused() {
            return reused;
        }

        @Override
        public boolean ahead() {
            return ahead;
        }

        @Override
        public void whenPromoted(Runnable then) {
            if (ahead) {
                onPromoted = then;
            } else {
                then.run();
            }
        }

        @Override
        public void requestSent() {
            if (ahead) {
                synchronized (ServerConnections.this) {
                    sent = true;
                }
                return;
            }
            if (writeAheadNanos > 0) {
                synchronized (ServerConnections.this) {
                    if (pooled.current == this) {
                        pooled.currentSent = true;
                    }
                }
                offerAhead(pooled);
            }
        }

        @Override
        public Channel channel() {
            return pooled.channel;
        }

        @Override
        public BackendHandler handler() {
            return pooled.handler;
        }

        @Override
        public boolean keepConn() {
            return server.keepAlive();
        }

        @Override
        public long pid() {
            return 0;
        }

        @Override
        public Optional<BackendAddress> server() {
            return Optional.of(address);
        }

        @Override
        public CompletableFuture<Revocation> revoked() {
            if (revoked == null) {
                revoked = new CompletableFuture<>(); // completed only for a session ahead: NOT_STARTED
            }
            return revoked;
        }

        @Override
        public void begin() {
            begun = true;
            begunAt = System.nanoTime();
            if (!ahead && writeAheadNanos > 0) {
                synchronized (ServerConnections.this) {
                    if (pooled.current == this) {
                        pooled.currentSince = begunAt;
                    }
                }
            }
        }

        @Override
        public void firstByte() {
            if (begun && firstByteNanos < 0) {
                firstByteNanos = System.nanoTime() - begunAt;
            }
        }

        @Override
        public void stale() {
            begun = false;
        }

        @Override
        public void status(int code) {
            if (status == 0) {
                status = code;
            }
        }

        @Override
        public void release() {
            if (ahead) {
                giveUpAhead(); // the exchange ended before it wrote anything
                return;
            }
            health.requestSucceeded();
            finish(pooled.handler.decoder().activeRequests() == 0);
        }

        @Override
        public void releaseBroken() {
            if (ahead) {
                giveUpAhead();
                return;
            }
            finish(false);
        }

        @Override
        public void releaseFailed(String cause) {
            if (ahead) {
                giveUpAhead();
                return;
            }
            health.requestFailed(System.nanoTime(), cause);
            finish(false);
        }

        /**
         * Ahead, given up by its exchange: never written, it leaves the place behind the current request free; written,
         * the connection closes once the current request ends (the server would answer a request nobody reads).
         */
        private void giveUpAhead() {
            if (done) {
                return; // revoked NOT_STARTED already
            }
            done = true;
            synchronized (ServerConnections.this) {
                if (pooled.ahead == this) {
                    if (begun) {
                        abandoned = true;
                    } else {
                        pooled.ahead = null;
                    }
                }
            }
        }

        private void finish(boolean reusable) {
            if (done) {
                throw new IllegalStateException("session already released");
            }
            done = true;
            if (begun) {
                // 502: a release without a status (none of FcgiExchange's paths) is a try the server did not answer
                stats.requestEnded(status == 0 ? 502 : status, firstByteNanos, System.nanoTime() - begunAt);
            }
            PooledSession next = null;
            boolean promote = false;
            boolean abandonedRead = false;
            if (writeAheadNanos > 0) {
                synchronized (ServerConnections.this) {
                    next = pooled.ahead;
                    pooled.ahead = null;
                    // Even after close() (a reload): the promoted request runs here, its connection closes once it ends.
                    promote = next != null && reusable && !next.abandoned && pooled.channel.isActive();
                    abandonedRead = next != null && reusable && next.abandoned && pooled.channel.isActive();
                    if (promote) {
                        pooled.current = next;
                        pooled.currentSince = System.nanoTime();
                        pooled.currentSent = next.sent;
                        next.ahead = false;
                    } else {
                        pooled.current = null;
                        busy.remove(pooled);
                    }
                }
            }
            if (promote) {
                // In the read of our END_REQUEST: the rest of it is the promoted request's (BackendHandler hand-on).
                if (next.begun) {
                    next.begunAt = pooled.currentSince; // the server's time on it starts now
                }
                Runnable then = next.onPromoted;
                next.onPromoted = null;
                if (then != null) {
                    then.run();
                }
                offerAhead(pooled);
                return;
            }
            if (abandonedRead) {
                // Its client left after it was written: the server goes on to read it and runs it, as it would have
                // been promoted now. Counted as a request the server got (nginx's 499), none of its time ours to see.
                stats.requestEnded(next.status == 0 ? CLIENT_CLOSED : next.status, -1, 0);
            }
            if (next != null) {
                reusable = false; // bytes of a request nobody reads, or of one sent again elsewhere
            }
            if (!reusable) {
                pooled.channel.close();
            }
            giveBack(pooled, reusable);
            if (next != null && !next.done) {
                // Never started: asked for again (FcgiExchange), not counted here.
                next.done = true;
                next.begun = false;
                next.revoked().complete(Revocation.NOT_STARTED);
            }
        }
    }
}
