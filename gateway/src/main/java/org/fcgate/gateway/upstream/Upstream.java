package org.fcgate.gateway.upstream;

/**
 * Where a dynamic request goes: the seam between the HTTP front and the FastCGI forwarder (phase 2), later also a
 * reverse proxy. The HTTP layer has already parsed and validated the head, decided the request may have a body of the
 * announced size, and resolved the script, so an implementation never sees a request it has to refuse for framing.
 *
 * <p>Threading: {@link #start} and every call on the returned {@link UpstreamExchange} happen on the client
 * connection's event loop; {@link ResponseSink} must be called on that loop too ({@link ResponseSink#executor()}).
 */
public interface Upstream {

    /** A name for logs and the status page, e.g. the pool name. */
    String name();

    /**
     * Starts one exchange. The request body (possibly empty) follows through the returned exchange; the response goes
     * out through {@code response}, which must be completed ({@code end} or {@code fail}) exactly once.
     */
    UpstreamExchange start(UpstreamRequest request, ResponseSink response);
}
