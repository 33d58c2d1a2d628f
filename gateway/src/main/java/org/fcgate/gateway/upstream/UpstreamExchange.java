package org.fcgate.gateway.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * The request-body half of one upstream exchange, fed by the HTTP layer in order: {@link #content} zero or more times,
 * then exactly one of {@link #end} or {@link #abort}.
 */
public interface UpstreamExchange {

    /** A piece of the de-chunked request body; the exchange owns {@code chunk} and must release it. */
    void content(ByteBuf chunk);

    /** The body is complete; {@code trailers} are empty unless a chunked body carried some. */
    void end(HttpHeaders trailers);

    /** The client went away or its body was refused; release what is held, stop the upstream work. */
    void abort();
}
