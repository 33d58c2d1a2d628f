package org.fcgate.gateway.fastcgi;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.fcgate.gateway.error.Reason;
import org.fcgate.pool.AcquireResult;
import org.fcgate.pool.ChildConnection;
import org.fcgate.pool.Lease;
import org.fcgate.pool.Pool;
import org.fcgate.pool.Revocation;
import org.fcgate.pool.WriteAhead;
import org.fcgate.pool.status.RequestInfo;

/**
 * A pool-manager pool as a backend: one {@link Lease} per request, over one FastCGI connection per child that lives
 * as long as the child (FCGI_KEEP_CONN, FastCGI 1.0 §5.1), unless the pool's {@code keep_conn} is off. A child serves
 * one request at a time, so its connection is never shared and never pins a request behind another (nginx's
 * {@code fastcgi_keep_conn} problem with a shared php-fpm pool).
 *
 * <p>Steps of one request:
 * <ol>
 *   <li>{@link Pool#acquire}: when a child is idle the lease is there at once and used right away on the caller's
 *       loop; otherwise it arrives on the thread that freed a child (another event loop, a pool thread) and is handed
 *       to the caller's loop. The caller's loop goes with the acquire, so a child freed on a loop goes to a waiter on
 *       that loop when the queue allows (at most one turn ahead of waiters elsewhere): its connection stays put and
 *       the next request goes out in the same turn that read the last one's END_REQUEST.</li>
 *   <li>The lease carries the connection the child's previous holder kept ({@link Lease#keptConnection()}). A Netty
 *       channel belongs to one event loop, so one kept on another loop moves to the caller's: deregistered there,
 *       registered here. When the child was freed on the kept connection's own loop (the usual case under load) the
 *       move starts right there, on the way to the caller's loop, and costs no extra hop.</li>
 *   <li>It is used if it is still open and between requests ({@link org.fcgate.fcgi.client.ClientResponseDecoder#idle});
 *       otherwise (the child closed it: php-cgi after {@code PHP_FCGI_MAX_REQUESTS}, an application that ignores
 *       KEEP_CONN) it is closed and a fresh one is made, before anything is sent.</li>
 *   <li>At the end of a clean request the connection goes back with the lease ({@link Lease#release(ChildConnection)})
 *       and is read while idle, so a close by the child is noticed. Any failure, timeout, revocation or client abort
 *       closes it ({@link Session#releaseBroken}); the pool closes a kept connection when it stops the child.</li>
 * </ol>
 * A kept connection that turns out stale only once the request was written is handled by {@link StaleConnection}:
 * retried once through {@link #openFresh}, which never reuses a kept connection. Nothing here blocks.
 */
final class ManagedPoolBackend implements Backend {

    /** A leased child serves one request at a time, so its backlog is never full unless something else connects. */
    private static final Duration RETRY_AFTER_BACKLOG_FULL = Duration.ofSeconds(1);

    private final Pool pool;
    private final FastCgiUpstreamOptions options;

    ManagedPoolBackend(Pool pool, FastCgiUpstreamOptions options) {
        this.pool = pool;
        this.options = options;
    }

    @Override
    public String name() {
        return pool.name();
    }

    Pool pool() {
        return pool;
    }

    @Override
    public Runnable open(EventLoop loop, String uri, Callback callback) {
        return open(loop, RequestInfo.ofUri(uri), callback);
    }

    @Override
    public Runnable open(EventLoop loop, RequestInfo request, Callback callback) {
        return acquire(loop, request, callback, false, WriteAhead.NOT_ALLOWED);
    }

    @Override
    public Runnable openMayGoAhead(EventLoop loop, RequestInfo request, Callback callback) {
        return acquire(loop, request, callback, false, WriteAhead.ALLOWED);
    }

    /**
     * The retry after a stale kept connection: a lease whose kept connection, if any, is closed unused. A managed pool
     * has no other server, so {@code failedOn} plays no part.
     */
    @Override
    public Runnable openFresh(EventLoop loop, String uri, java.util.List<BackendAddress> failedOn, Callback callback) {
        return acquire(loop, RequestInfo.ofUri(uri), callback, true, WriteAhead.NOT_ALLOWED);
    }

    private Runnable acquire(EventLoop loop, RequestInfo request, Callback callback, boolean fresh,
                             WriteAhead ahead) {
        Acquisition a = new Acquisition(loop, request, callback, fresh, ahead);
        a.acquire();
        return a::cancel;
    }

    @Override
    public void close() {
        // The pool's lifecycle belongs to the PoolManager.
    }

    /**
     * One request's way to a connected child; {@link #cancel} and every step after the hand-over run on loop. A child
     * that refuses the connection (it exited and is not reaped yet) is replaced and, once, another lease is taken:
     * nothing of the request was sent.
     */
    private final class Acquisition {
        private final EventLoop loop;
        private final RequestInfo request;
        private final Callback callback;
        private final boolean fresh;
        private final WriteAhead ahead;
        private boolean cancelled;
        private boolean retried;
        private CompletableFuture<AcquireResult> acquired;

        Acquisition(EventLoop loop, RequestInfo request, Callback callback, boolean fresh, WriteAhead ahead) {
            this.loop = loop;
            this.request = request;
            this.callback = callback;
            this.fresh = fresh;
            this.ahead = ahead;
        }

        void acquire() {
            // A child freed on loop prefers us; one ahead is always on loop (its connection's).
            CompletableFuture<AcquireResult> f = pool.acquire(request, loop, ahead);
            acquired = f;
            if (f.isDone() && loop.inEventLoop()) {
                onLoop(f.join()); // an idle child, or a refusal: no hop, no task
            } else {
                f.whenComplete(this::arrived);
            }
        }

        void cancel() {
            cancelled = true;
            acquired.cancel(false); // leaves the queue if still waiting
        }

        /** The pool answered later, on the thread that freed a child or timed the wait out. */
        void arrived(AcquireResult result, Throwable error) {
            KeptChannel kept = result instanceof AcquireResult.Granted g ? KeptChannel.of(g.lease()) : null;
            if (kept != null && ((AcquireResult.Granted) result).lease().isAhead()) {
                // On the connection's loop (the pool checked); inside a read of it, after that read.
                if (!(kept.channel.eventLoop().inEventLoop() && kept.handler.runAfterRead(() -> onLoop(result, error)))) {
                    run(() -> onLoop(result, error), result);
                }
                return;
            }
            if (kept != null && !fresh && kept.channel.eventLoop() != loop && kept.channel.eventLoop().inEventLoop()) {
                // Freed on the kept connection's own loop: move the channel on the way to the caller's loop.
                kept.moveTo(loop, () -> onLoop(result, error));
                return;
            }
            if (kept != null && !fresh && kept.channel.eventLoop() == loop && loop.inEventLoop()
                    && kept.handler.runAfterRead(() -> onLoop(result, error))) {
                return; // freed by the END_REQUEST being read here: the next request goes out in this turn
            }
            run(() -> onLoop(result, error), result);
        }

        void onLoop(AcquireResult result) {
            onLoop(result, null);
        }

        private void onLoop(AcquireResult result, Throwable error) {
            if (cancelled) {
                if (result instanceof AcquireResult.Granted g) {
                    giveBackUnused(g.lease());
                }
                return;
            }
            if (error != null) {
                callback.failed(Failure.of(Reason.BACKEND_FAILED, "pool " + pool.name() + " failed: " + error));
            } else if (result instanceof AcquireResult.Rejected r) {
                callback.failed(new Failure(Reason.BACKEND_OVERLOADED, "pool " + pool.name() + " refused: "
                        + r.reason(), Optional.of(r.retryAfter())));
            } else {
                use(((AcquireResult.Granted) result).lease());
            }
        }

        private void use(Lease lease) {
            KeptChannel kept = KeptChannel.of(lease);
            if (lease.isAhead()) {
                // Behind the child's current request on the connection it runs on: written now, read once promoted.
                callback.opened(new LeaseSession(lease, kept, true));
            } else if (kept == null) {
                connect(lease);
            } else if (fresh || !pool.config().keepConn()) {
                kept.close(); // a retry after a stale connection never takes a kept one
                connect(lease);
            } else if (kept.channel.eventLoop() != loop || !kept.channel.isRegistered()) {
                kept.moveTo(loop, () -> useKept(lease, kept));
            } else {
                useKept(lease, kept);
            }
        }

        private void useKept(Lease lease, KeptChannel kept) {
            if (cancelled) {
                giveBackUnused(lease);
            } else if (kept.usable()) {
                callback.opened(new LeaseSession(lease, kept, true));
            } else {
                // Closed by the child while idle, or not between requests: nothing was sent on it. A child that closed
                // its kept connection is often exiting (php-cgi after PHP_FCGI_MAX_REQUESTS): the fresh connection may
                // land in its backlog and be reset, so it counts as reused for StaleConnection's one retry.
                boolean closedByChild = !kept.channel.isActive();
                kept.close();
                connect(lease, closedByChild);
            }
        }

        private void connect(Lease lease) {
            connect(lease, false);
        }

        private void connect(Lease lease, boolean suspect) {
            BackendAddress address = BackendAddress.of(lease.address());
            BackendHandler handler = new BackendHandler(options.limits());
            ChannelFuture f = Backend.connect(loop, address, address.toSocketAddress(Transport.current()),
                    options.connectTimeout(), handler);
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    lease.releaseBroken();
                    if (cancelled) {
                        return;
                    }
                    if (!retried && notListening(done.cause())) {
                        retried = true;
                        acquire();
                        return;
                    }
                    callback.failed(Backend.connectFailure(address, done.cause(), RETRY_AFTER_BACKLOG_FULL)
                            .withoutServer());
                } else if (cancelled) {
                    f.channel().close();
                    lease.releaseUnused();
                } else {
                    callback.opened(new LeaseSession(lease, new KeptChannel(f.channel(), handler), suspect));
                }
            });
        }

        /** The caller gave up before sending anything: the child and its connection go back as they are. */
        private void giveBackUnused(Lease lease) {
            KeptChannel kept = KeptChannel.of(lease);
            if (kept != null && !lease.isAhead() // an ahead lease's connection is its current request's
                    && kept.channel.eventLoop() == loop && kept.channel.isRegistered()) {
                kept.watchIdle(); // it may have been moved here, where nothing reads it yet
            }
            lease.releaseUnused();
        }

        /**
         * Refused, or no socket file: the child is gone (php-cgi after {@code PHP_FCGI_MAX_REQUESTS}, a crash) and
         * not reaped yet. Not a timeout (a hung child) and not a full backlog (503), which stay the client's answer.
         */
        private static boolean notListening(Throwable cause) {
            if (cause instanceof java.io.FileNotFoundException) {
                return true; // epoll: ENOENT
            }
            return cause instanceof java.net.ConnectException
                    && !(cause instanceof io.netty.channel.ConnectTimeoutException)
                    && cause.getMessage() != null && cause.getMessage().contains("refused");
        }

        /** Runs {@code step} on the loop; a loop shut down (the gateway stopping) gives the child back unused. */
        private void run(Runnable step, AcquireResult result) {
            try {
                loop.execute(step);
            } catch (RejectedExecutionException e) {
                if (result instanceof AcquireResult.Granted g) {
                    g.lease().releaseUnused();
                }
            }
        }
    }

    /** The connection to one child, kept with it between leases. */
    private static final class KeptChannel implements ChildConnection {
        final Channel channel;
        final BackendHandler handler;

        KeptChannel(Channel channel, BackendHandler handler) {
            this.channel = channel;
            this.handler = handler;
        }

        static KeptChannel of(Lease lease) {
            return lease.keptConnection() instanceof KeptChannel k ? k : null;
        }

        /** The loop this connection is registered on: the pool gives its child to a caller there when it can. */
        @Override
        public java.util.concurrent.Executor home() {
            return channel.eventLoop();
        }

        /** From the pool, any thread: the child stops. Netty runs the close on the channel's loop. */
        @Override
        public void close() {
            channel.close();
        }

        /** Between requests: any byte or close from the child ends it ({@link BackendHandler#detach}). */
        void watchIdle() {
            handler.detach(null);
            channel.read();
        }

        /** On its loop: open, and its decoder between requests (no byte after the last END_REQUEST). */
        boolean usable() {
            return channel.isActive() && handler.decoder().idle();
        }

        /**
         * Re-registers the channel on {@code target}, then runs {@code then} there ({@link ChannelMove}): on any
         * failure the channel is closed and {@code then} still runs; it finds it unusable. {@code then} is what
         * reads it: the request's exchange, or watchIdle when given back.
         */
        void moveTo(EventLoop target, Runnable then) {
            ChannelMove.moveTo(channel, target, then);
        }
    }

    /**
     * A lease and its connection, for one request. A lease granted ahead ({@link Lease#isAhead()}) shares the
     * connection with the child's current request until its promotion: until then it never closes or watches it, and
     * giving it up only tells the pool (which replaces the child if the request was written).
     */
    private final class LeaseSession implements Session {
        private final Lease lease;
        private final KeptChannel conn;
        private final boolean reused;
        private final boolean keep = pool.config().keepConn();
        /** Granted ahead and not promoted yet; on the channel's loop. */
        private boolean ahead;

        LeaseSession(Lease lease, KeptChannel conn, boolean reused) {
            this.lease = lease;
            this.conn = conn;
            this.reused = reused;
            this.ahead = lease.isAhead();
        }

        @Override
        public boolean ahead() {
            return ahead;
        }

        @Override
        public void whenPromoted(Runnable then) {
            if (!ahead) {
                then.run();
                return;
            }
            // Completed on the thread that released the current lease: the connection's loop, in its END_REQUEST read.
            lease.promoted().thenRun(() -> {
                ahead = false;
                then.run();
            });
        }

        @Override
        public void requestSent() {
            if (keep && !ahead) {
                lease.connectionInUse(conn);
            }
        }

        @Override
        public Channel channel() {
            return conn.channel;
        }

        @Override
        public BackendHandler handler() {
            return conn.handler;
        }

        @Override
        public boolean reused() {
            return reused;
        }

        @Override
        public boolean keepConn() {
            return keep;
        }

        @Override
        public long pid() {
            return lease.pid();
        }

        @Override
        public CompletableFuture<Revocation> revoked() {
            return lease.revoked();
        }

        @Override
        public void firstByte() {
            lease.firstByte();
        }

        @Override
        public void release() {
            if (ahead) {
                lease.releaseUnused(); // never written: the exchange ended before it was opened
                return;
            }
            if (keep && conn.channel.isActive()) {
                // Whatever follows END_REQUEST in this read is still parsed; the next holder checks usable().
                conn.watchIdle();
                lease.release(conn);
            } else {
                conn.channel.close();
                lease.release();
            }
        }

        @Override
        public void releaseBroken() {
            if (ahead) {
                lease.releaseBroken(); // written: the pool replaces the child once its current request ends
                return;
            }
            conn.channel.close();
            lease.releaseBroken();
        }
    }
}
