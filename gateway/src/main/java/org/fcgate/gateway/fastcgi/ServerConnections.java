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
 */
final class ServerConnections implements ExternalServer {

    private final BackendAddress address;
    private final SocketAddress resolved;
    private final ExternalServerOptions server;
    private final FastCgiUpstreamOptions options;
    private final ServerHealth health;
    private final ServerStats stats;
    private final Map<EventLoop, ArrayDeque<Pooled>> idle = new IdentityHashMap<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
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

    synchronized int idleConnections() {
        return idleCount;
    }

    /** @param fresh never an idle connection: a new one, evicting an idle one at the cap (the stale-retry case) */
    Runnable acquire(EventLoop loop, Backend.Callback callback, boolean fresh) {
        Pooled reuse = null;
        Pooled move = null;
        Pooled evict = null;
        Waiter waiter = null;
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
                } else {
                    waiter = new Waiter(loop, callback);
                    waiters.addLast(waiter);
                }
            }
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
                    callback.opened(new PooledSession(p, false));
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
        callback.opened(new PooledSession(p, true));
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
            next.timer.cancel(false);
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
        next.timer.cancel(false);
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
        ScheduledFuture<?> timer;

        Waiter(EventLoop loop, Backend.Callback callback) {
            this.loop = loop;
            this.callback = callback;
        }
    }

    private static final class Pooled {
        final Channel channel;
        final BackendHandler handler;
        ScheduledFuture<?> idleTimer;

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

    /** One request's use of a pooled connection; what it sent there ends up in {@link #stats}. */
    private final class PooledSession implements Backend.Session {
        private final Pooled pooled;
        private final boolean reused;
        private boolean done;
        private boolean begun;
        private long begunAt;
        private long firstByteNanos = -1;
        private int status;

        PooledSession(Pooled pooled, boolean reused) {
            this.pooled = pooled;
            this.reused = reused;
        }

        @Override
        public boolean reused() {
            return reused;
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
            return new CompletableFuture<>();
        }

        @Override
        public void begin() {
            begun = true;
            begunAt = System.nanoTime();
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
            health.requestSucceeded();
            finish(pooled.handler.decoder().activeRequests() == 0);
        }

        @Override
        public void releaseBroken() {
            finish(false);
        }

        @Override
        public void releaseFailed(String cause) {
            health.requestFailed(System.nanoTime(), cause);
            finish(false);
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
            if (!reusable) {
                pooled.channel.close();
            }
            giveBack(pooled, reusable);
        }
    }
}
