package org.fcgate.gateway.fastcgi;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.fcgate.gateway.error.Reason;
import org.fcgate.pool.Revocation;

/**
 * Where a FastCGI exchange gets a connected backend for one request: a managed pool's child (one lease, one
 * connection) or an external server (pooled connections).
 */
interface Backend {

    /** For logs: the pool or server group name. */
    String name();

    /**
     * Asks for a connection registered on {@code loop}; exactly one callback method runs on {@code loop}, later or,
     * when called on {@code loop} and the answer is at hand (an idle pool child), before this returns.
     * The returned handle gives up a request still waiting (queued, connecting): nothing is called after it.
     */
    Runnable open(EventLoop loop, String uri, Callback callback);

    /** As {@link #open(EventLoop, String, Callback)}, with what the status page shows about the request. */
    default Runnable open(EventLoop loop, org.fcgate.pool.status.RequestInfo request, Callback callback) {
        return open(loop, request.uri(), callback);
    }

    /** Like {@link #open}, but never a kept idle connection: for the one retry after a stale one. */
    default Runnable openFresh(EventLoop loop, String uri, Callback callback) {
        return open(loop, uri, callback);
    }

    /** Stops handing out connections and closes idle ones. */
    void close();

    interface Callback {
        void opened(Session session);

        void failed(Failure failure);
    }

    /** Why no connection: the client's status, a cause for the log, and Retry-After for a 503. */
    record Failure(Reason reason, String cause, Optional<Duration> retryAfter) {
        static Failure of(Reason reason, String cause) {
            return new Failure(reason, cause, Optional.empty());
        }
    }

    /** One connected backend lent to one request. Exactly one of {@link #release}/{@link #releaseBroken}. */
    interface Session {
        Channel channel();

        BackendHandler handler();

        /** Whether the connection served an earlier request and was kept idle (it may be stale). */
        default boolean reused() {
            return false;
        }

        /** Whether BEGIN_REQUEST asks for FCGI_KEEP_CONN. */
        boolean keepConn();

        /** The child's pid, 0 when unknown (external servers). */
        long pid();

        /** Completes if a managed pool takes the child back mid-request; never for external servers. */
        CompletableFuture<Revocation> revoked();

        /** The backend's first response byte arrived (time to first byte); optional. */
        default void firstByte() {
        }

        /** The request ended cleanly (END_REQUEST read): the connection or child may be reused. */
        void release();

        /** I/O error, protocol error, abort: the connection is closed; a managed child is stopped and replaced. */
        void releaseBroken();
    }

    /** Creates the channel for {@code address} on {@code loop}; it reads only when asked ({@code AUTO_READ=false}). */
    static io.netty.channel.ChannelFuture connect(EventLoop loop, BackendAddress address,
                                                  java.net.SocketAddress resolved, Duration timeout,
                                                  BackendHandler handler) {
        Transport t = Transport.current();
        return new io.netty.bootstrap.Bootstrap()
                .group(loop)
                .channel(t.channelFor(address))
                .option(io.netty.channel.ChannelOption.AUTO_READ, false)
                .option(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .handler(handler)
                .connect(resolved);
    }

    /**
     * The client's answer for a failed connect: 504 when it timed out (a black hole), 503 + Retry-After when a Unix
     * socket's listen backlog is full (R60: a non-blocking connect gets EAGAIN at once, php-fpm's "listen queue"
     * overflow; nginx logs it as "(11: Resource temporarily unavailable)" and answers 502), else 502 (R61).
     */
    static Failure connectFailure(BackendAddress address, Throwable cause, Duration retryAfter) {
        if (cause instanceof io.netty.channel.ConnectTimeoutException) {
            return Failure.of(Reason.BACKEND_CONNECT_TIMEOUT, "connect to " + address + " timed out");
        }
        String message = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        if (address instanceof BackendAddress.Unix && isEagain(cause)) {
            return new Failure(Reason.BACKEND_OVERLOADED, "backend queue full: connect to " + address
                    + " failed: " + message + " (listen backlog full)", Optional.of(retryAfter));
        }
        return Failure.of(Reason.BACKEND_UNAVAILABLE, "connect to " + address + " failed: " + message);
    }

    /**
     * EAGAIN from connect(2): both Netty's epoll transport and the JDK name the errno only by its strerror text,
     * which is glibc's untranslated one ({@code Resource temporarily unavailable}) unless LC_MESSAGES translates it;
     * then the failure is a plain 502.
     */
    private static boolean isEagain(Throwable cause) {
        return cause instanceof java.io.IOException && cause.getMessage() != null
                && cause.getMessage().contains("Resource temporarily unavailable");
    }
}
