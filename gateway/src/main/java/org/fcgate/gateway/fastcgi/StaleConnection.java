package org.fcgate.gateway.fastcgi;

import io.netty.handler.codec.http.HttpMethod;
import java.util.Set;

/**
 * One exchange's decision whether a request that failed on a kept connection is sent again on a fresh one.
 *
 * <p>A server closes an idle kept connection whenever it likes (php-fpm's {@code pm.max_requests}, a reload, its own
 * idle limit). When that close crosses our next request on the wire, the request lands in a connection the server
 * already gave up, and we see EOF or ECONNRESET instead of a response. The server never started such a request, but
 * from our side a request that was written and then lost cannot be told from one the application ran before dying.
 * So, as HTTP clients do with idempotent methods (RFC 9110 §9.2.2; nginx never resends a non-idempotent request
 * to the next upstream), it is sent again, once, only when all of these hold:
 * <ul>
 *   <li>the connection was reused (a fresh connection failing is a real failure, answered 502);</li>
 *   <li>no byte of the response (STDOUT, STDERR, END_REQUEST) arrived;</li>
 *   <li>the method is idempotent. A POST whose kept connection is seen closed before anything is written (it is
 *       inactive when handed out) gets a fresh connection anyway, in {@code ServerConnections};</li>
 *   <li>the body can be sent again: it is in memory (a spilled temp file is read once, a streamed body is gone).</li>
 * </ul>
 */
final class StaleConnection {

    /** RFC 9110 §9.2.2. */
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
            HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

    private final boolean idempotent;
    private boolean responseSeen;
    private boolean retried;

    StaleConnection(HttpMethod method) {
        this.idempotent = IDEMPOTENT.contains(method);
    }

    /** A byte of the response arrived: from now on a failure is the backend's, never retried. */
    void responseByte() {
        responseSeen = true;
    }

    /**
     * Whether to send the request again now that {@code session} failed; true at most once.
     *
     * @param body the collected body, null when it was streamed
     */
    boolean retryAfterFailureOf(Backend.Session session, RequestBody body) {
        boolean retry = session.reused() && !retried && !responseSeen && idempotent
                && body != null && body.file() == null;
        retried |= retry;
        return retry;
    }
}
