package org.fcgate.gateway.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import org.fcgate.gateway.accesslog.UpstreamTrace;
import org.fcgate.gateway.error.Reason;

/**
 * The response half of one upstream exchange, written to the client by the HTTP layer: {@link #head} once, then
 * {@link #content} zero or more times, then {@link #end}; or {@link #fail} at any point. The HTTP layer adds
 * {@code Connection}, handles HEAD (drops body bytes) and resumes reading the next request when the response is out.
 */
public interface ResponseSink {

    /** The loop every call must be made on. */
    EventExecutor executor();

    void head(HttpResponse head);

    /**
     * Sends body bytes (ownership passes to the sink). The future completes when they are written, so a forwarder can
     * stop reading its upstream until then — the backpressure of Netty's HexDumpProxy example.
     */
    Future<Void> content(ByteBuf chunk);

    void end();

    /** The exchange failed: before the head, the client gets {@code reason}'s status; after it, the connection closes. */
    void fail(Reason reason);

    /** Like {@link #fail(Reason)}, with {@code Retry-After} (whole seconds, at least 1) on the error response. */
    void fail(Reason reason, Duration retryAfter);

    /**
     * Instead of a head: the upstream answered with a local {@code Location} and no {@code Status} (RFC 3875 §6.2.2,
     * "local redirect response"). The HTTP layer re-routes {@code pathAndQuery} as a GET through the same router, at
     * most a bounded number of times; this exchange is then over.
     */
    void redirectLocally(String pathAndQuery);

    /** Completes when the client connection closes, for whatever reason (client abort, write failure, our close). */
    Future<Void> closeFuture();

    /** Where the upstream reports its name, the child's pid and its timings for the access log. */
    default UpstreamTrace trace() {
        return UpstreamTrace.none();
    }
}
