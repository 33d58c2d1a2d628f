package org.fcgate.gateway.fastcgi;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.fcgate.gateway.error.Reason;
import org.fcgate.pool.AcquireResult;
import org.fcgate.pool.Lease;
import org.fcgate.pool.Pool;
import org.fcgate.pool.Revocation;

/**
 * A pool-manager pool as a backend: one {@link Lease} per request, one fresh connection to the leased child (its
 * listen socket), no FCGI_KEEP_CONN; the connection is closed when the request ends. The pool's answer arrives on a
 * pool thread and is handed to the client's event loop; nothing here blocks.
 */
final class ManagedPoolBackend implements Backend {

    /** A leased child serves one request at a time, so its backlog is never full unless something else connects. */
    private static final java.time.Duration RETRY_AFTER_BACKLOG_FULL = java.time.Duration.ofSeconds(1);

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
        return open(loop, org.fcgate.pool.status.RequestInfo.ofUri(uri), callback);
    }

    @Override
    public Runnable open(EventLoop loop, org.fcgate.pool.status.RequestInfo request, Callback callback) {
        boolean[] cancelled = new boolean[1]; // touched on the loop only
        CompletableFuture<AcquireResult> acquired = pool.acquire(request);
        acquired.whenComplete((result, error) -> {
            try {
                loop.execute(() -> onAcquired(loop, result, error, cancelled[0], callback));
            } catch (RejectedExecutionException e) {
                // The gateway is shutting down: give the child back unused.
                if (result instanceof AcquireResult.Granted g) {
                    g.lease().release();
                }
            }
        });
        return () -> {
            cancelled[0] = true;
            acquired.cancel(false); // leaves the queue if still waiting
        };
    }

    private void onAcquired(EventLoop loop, AcquireResult result, Throwable error, boolean cancelled,
                            Callback callback) {
        if (result instanceof AcquireResult.Granted g && cancelled) {
            g.lease().release();
            return;
        }
        if (cancelled) {
            return;
        }
        if (error != null) {
            callback.failed(Failure.of(Reason.BACKEND_FAILED, "pool " + pool.name() + " failed: " + error));
        } else if (result instanceof AcquireResult.Rejected r) {
            callback.failed(new Failure(Reason.BACKEND_OVERLOADED, "pool " + pool.name() + " refused: " + r.reason(),
                    Optional.of(r.retryAfter())));
        } else {
            connect(loop, ((AcquireResult.Granted) result).lease(), callback);
        }
    }

    private void connect(EventLoop loop, Lease lease, Callback callback) {
        BackendAddress address = BackendAddress.of(lease.address());
        BackendHandler handler = new BackendHandler(options.limits());
        Backend.connect(loop, address, address.toSocketAddress(Transport.current()), options.connectTimeout(),
                handler).addListener(f -> {
                    if (f.isSuccess()) {
                        callback.opened(new LeaseSession(lease, ((io.netty.channel.ChannelFuture) f).channel(),
                                handler));
                    } else {
                        lease.releaseBroken();
                        callback.failed(Backend.connectFailure(address, f.cause(), RETRY_AFTER_BACKLOG_FULL)
                                .withoutServer());
                    }
                });
    }

    @Override
    public void close() {
        // The pool's lifecycle belongs to the PoolManager.
    }

    /** A lease and its connection. */
    private record LeaseSession(Lease lease, Channel channel, BackendHandler handler) implements Session {
        @Override
        public boolean keepConn() {
            return false;
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
            channel.close();
            lease.release();
        }

        @Override
        public void releaseBroken() {
            channel.close();
            lease.releaseBroken();
        }
    }

}
