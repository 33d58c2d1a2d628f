package org.fcgate.gateway.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import org.fcgate.gateway.error.Reason;

/**
 * The upstream of a FastCGI route whose pool is not configured (phase 1 has no forwarder): it reads and discards
 * the body, then answers 502 "no upstream configured". Reading the body first keeps the connection reusable.
 */
public record UnavailableUpstream(String name) implements Upstream {

    @Override
    public UpstreamExchange start(UpstreamRequest request, ResponseSink response) {
        return new UpstreamExchange() {
            @Override
            public void content(ByteBuf chunk) {
                chunk.release();
            }

            @Override
            public void end(HttpHeaders trailers) {
                response.fail(Reason.NO_UPSTREAM);
            }

            @Override
            public void abort() {
                // Nothing held.
            }
        };
    }
}
