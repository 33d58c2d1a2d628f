package org.fcgate.gateway.fastcgi;

import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One exchange's decisions whether a failed request is sent again. Four cases, each bounded, and none once a byte
 * of the answer arrived (nothing has reached the client before that, so the client is answered exactly once):
 * <ol>
 *   <li><b>Stale kept connection.</b> A server closes an idle kept connection whenever it likes (php-fpm's
 *       {@code pm.max_requests}, a reload, its own idle limit). When that close crosses our next request on the
 *       wire, we see EOF or ECONNRESET instead of an answer. The server never started such a request, but from our
 *       side it cannot be told from one the application ran before dying; so, as HTTP clients do, it is sent again
 *       once, on a fresh connection, when the connection was reused, the method is idempotent and the body can be sent
 *       again. Not a failure of the server.</li>
 *   <li><b>Connect failed.</b> Nothing of the request was sent: it goes to another server, whatever its method.</li>
 *   <li><b>No answer.</b> The connection was lost or fell silent ({@code read_timeout}) before any byte of the answer:
 *       the request may have run, so it goes to another server only when its method is idempotent (RFC 9110 §9.2.2;
 *       nginx never passes a non-idempotent request to the next upstream either) and its body can be sent again.</li>
 * </ol>
 * And 4, a server's refusal: END_REQUEST with protocolStatus OVERLOADED before any output means it did not run the
 * request (FastCGI 1.0 §5.5), so it goes to another server whatever its method, when its body can be sent again.
 * Cases 2 to 4 go to a server the request has not failed on, while fewer than {@code max_tries} servers were
 * tried; the backend must also have such a server up ({@link Backend#hasAnother}). A body can be sent again when it
 * is in memory: a spilled temp file is read once, a streamed body is gone.
 */
final class Retries {

    /** RFC 9110 §9.2.2. */
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
            HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

    private final boolean idempotent;
    private final int maxTries;
    /** Allocated at the first failure: most requests never fail. */
    private List<BackendAddress> failedOn = List.of();
    private boolean responseSeen;
    private boolean staleRetried;

    Retries(HttpMethod method, int maxTries) {
        this.idempotent = IDEMPOTENT.contains(method);
        this.maxTries = maxTries;
    }

    /** A byte of the response arrived: from now on a failure is answered, never retried. */
    void responseByte() {
        responseSeen = true;
    }

    boolean responseSeen() {
        return responseSeen;
    }

    /** The servers the request failed on, in order. */
    List<BackendAddress> failedOn() {
        return failedOn;
    }

    /**
     * Case 1: whether to send the request again on a fresh connection now that {@code session} failed; true at most
     * once.
     *
     * @param body the collected body, null when it was streamed
     */
    boolean staleConnection(Backend.Session session, RequestBody body) {
        boolean retry = session.reused() && !staleRetried && !responseSeen && idempotent && replayable(body);
        staleRetried |= retry;
        return retry;
    }

    /** Case 2: connecting to {@code server} failed; whether another server may be tried. */
    boolean afterConnectFailure(BackendAddress server) {
        failed(server);
        return failedOn.size() < maxTries;
    }

    /** Case 3: {@code server} failed the request before any byte of its answer; whether another may be tried. */
    boolean afterNoAnswer(BackendAddress server, RequestBody body) {
        failed(server);
        return !responseSeen && idempotent && replayable(body) && failedOn.size() < maxTries;
    }

    /**
     * Case 4: {@code server} ended the request with END_REQUEST OVERLOADED before any output: it refused to run it
     * (FastCGI 1.0 §5.5; a pool server whose queue is full). Like a failed connect, whatever the method; the body
     * must be in memory, since it was sent. Not a failure of the server.
     */
    boolean afterOverloaded(BackendAddress server, RequestBody body) {
        failed(server);
        return replayable(body) && failedOn.size() < maxTries;
    }

    private void failed(BackendAddress server) {
        if (failedOn.isEmpty()) {
            failedOn = new ArrayList<>(2);
        }
        failedOn.add(server);
    }

    private static boolean replayable(RequestBody body) {
        return body != null && body.file() == null;
    }
}
