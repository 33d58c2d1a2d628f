package org.fcgate.gateway.fastcgi;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.List;
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

    /**
     * As {@link #open(EventLoop, org.fcgate.pool.status.RequestInfo, Callback)}, for a request that may be written
     * ahead on a busy managed child's kept connection (its pool's {@code write_ahead}), or on a busy kept connection to
     * an external server at its connection cap (the group's {@code write_ahead}): its whole body is in memory and
     * small, so it can be sent again should the child or server never start it. The session then says
     * {@link Session#ahead()}.
     */
    default Runnable openMayGoAhead(EventLoop loop, org.fcgate.pool.status.RequestInfo request, Callback callback) {
        return open(loop, request, callback);
    }

    /**
     * Like {@link #open}, but never a kept idle connection: for the one retry after a stale one; never on a server in
     * {@code failedOn}.
     */
    default Runnable openFresh(EventLoop loop, String uri, List<BackendAddress> failedOn, Callback callback) {
        return open(loop, uri, callback);
    }

    /**
     * Another try of a request that failed on the servers in {@code failedOn} (the last one just now; it counts a
     * retry): a server not among them. Called only after {@link #hasAnother} said yes; if every other server went
     * down since, the callback hears {@code NO_LIVE_SERVER}.
     */
    default Runnable openAnother(EventLoop loop, String uri, List<BackendAddress> failedOn, Callback callback) {
        throw new IllegalStateException(name() + " has no other server");
    }

    /** Whether a server not in {@code failedOn} takes requests now. */
    default boolean hasAnother(List<BackendAddress> failedOn) {
        return false;
    }

    /** Tries per request, the first included, each on another server (1: a managed pool, one try). */
    default int maxTries() {
        return 1;
    }

    /** Stops handing out connections and closes idle ones. */
    void close();

    interface Callback {
        void opened(Session session);

        void failed(Failure failure);
    }

    /**
     * Why no connection: the client's status, a cause for the log, Retry-After for a 503, and the external server a
     * connect to failed ({@code connectFailed}: nothing of the request was sent, so it may go to another server).
     */
    record Failure(Reason reason, String cause, Optional<Duration> retryAfter, Optional<BackendAddress> connectFailed) {
        Failure(Reason reason, String cause, Optional<Duration> retryAfter) {
            this(reason, cause, retryAfter, Optional.empty());
        }

        static Failure of(Reason reason, String cause) {
            return new Failure(reason, cause, Optional.empty());
        }

        /** The same failure, not tied to an external server (a managed child has no other server to go to). */
        Failure withoutServer() {
            return new Failure(reason, cause, retryAfter);
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

        /**
         * Whether the connection is busy (a managed child's, or a kept one to an external server), behind its current
         * request: write the whole request at once, but
         * attach to the handler and read only once {@link #whenPromoted} runs. A session that is not ahead is
         * promoted already.
         */
        default boolean ahead() {
            return false;
        }

        /**
         * Runs {@code then} on the channel's loop once the request before this one on the connection completed
         * (normally inside the read of its END_REQUEST, so the rest of that read is parsed for this request), or at
         * once when it did already. Never runs if the child or connection is lost first: {@link #revoked()} then says
         * {@link Revocation#NOT_STARTED}.
         */
        default void whenPromoted(Runnable then) {
            then.run();
        }

        /** The whole request (through the empty STDIN) is written: the connection may carry one more behind it. */
        default void requestSent() {
        }

        /** Whether BEGIN_REQUEST asks for FCGI_KEEP_CONN. */
        boolean keepConn();

        /** The child's pid, 0 when unknown (external servers). */
        long pid();

        /** The external server the connection goes to; empty for a managed pool's child. */
        default Optional<BackendAddress> server() {
            return Optional.empty();
        }

        /**
         * Completes if a managed pool takes the child back mid-request; for external servers only with
         * {@link Revocation#NOT_STARTED}, for a session ahead whose current request did not complete.
         */
        CompletableFuture<Revocation> revoked();

        /** BEGIN_REQUEST is about to go out: from here the request counts as sent to the server (its meters). */
        default void begin() {
        }

        /** The backend's first response byte arrived (time to first byte); optional. */
        default void firstByte() {
        }

        /**
         * The status this try ends with, for the server's meters: the one the server answered, else the one its
         * failure gives ({@code 502}, {@code 504}, {@code 503} for OVERLOADED, nginx's {@code 499} when the client
         * left first). The first one told counts; call it before the release.
         */
        default void status(int code) {
        }

        /**
         * The try went out on a kept connection the server had closed meanwhile and is sent again on a fresh one: it
         * is not counted as a request to the server (nginx does not count that try either).
         */
        default void stale() {
        }

        /** The request ended cleanly (END_REQUEST read): the connection or child may be reused. */
        void release();

        /** I/O error, protocol error, abort: the connection is closed; a managed child is stopped and replaced. */
        void releaseBroken();

        /**
         * As {@link #releaseBroken}, and the server failed the request before any byte of its answer (connection lost
         * or silent): it counts toward the server's ejection ({@code max_fails}).
         */
        default void releaseFailed(String cause) {
            releaseBroken();
        }
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
        Optional<BackendAddress> server = Optional.of(address);
        if (cause instanceof io.netty.channel.ConnectTimeoutException) {
            return new Failure(Reason.BACKEND_CONNECT_TIMEOUT, "connect to " + address + " timed out",
                    Optional.empty(), server);
        }
        String message = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        if (address instanceof BackendAddress.Unix && isEagain(cause)) {
            return new Failure(Reason.BACKEND_OVERLOADED, "backend queue full: connect to " + address
                    + " failed: " + message + " (listen backlog full)", Optional.of(retryAfter), server);
        }
        return new Failure(Reason.BACKEND_UNAVAILABLE, "connect to " + address + " failed: " + message,
                Optional.empty(), server);
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
