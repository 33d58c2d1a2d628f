package org.fcgate.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import org.fcgate.gateway.upstream.UpstreamExchange;

/**
 * A request body nobody wants (static files, errors): read to its end, so the connection stays in sync, and
 * dropped; then {@code whenComplete} answers.
 */
final class DiscardedBody implements UpstreamExchange {

    private final Runnable whenComplete;

    DiscardedBody(Runnable whenComplete) {
        this.whenComplete = whenComplete;
    }

    @Override
    public void content(ByteBuf chunk) {
        chunk.release();
    }

    @Override
    public void end(HttpHeaders trailers) {
        whenComplete.run();
    }

    @Override
    public void abort() {
        // Nothing held.
    }
}
