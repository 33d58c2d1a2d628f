package org.fcgate.gateway.metrics;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import org.fcgate.gateway.http.Rejected;
import org.fcgate.gateway.http.RequestHead;

/**
 * One observation per response on a connection (requests are served one at a time): the clock starts at the
 * request head (or at a refusal of a head that never parsed), the status is the response head's, and the response
 * counts when its last part is written — or when the connection closes after the head was sent (an aborted
 * response). {@code 100 Continue} is not a response.
 */
final class ExchangeMeter extends ChannelDuplexHandler {

    private final HttpMetrics metrics;
    private boolean pending;
    private long startNanos;
    private String method = "OTHER";
    private int status;

    ExchangeMeter(HttpMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof RequestHead head) {
            begin(Labels.method(head.request().method()));
        } else if (msg instanceof Rejected && !pending) {
            begin("OTHER"); // the head never parsed: no method we could trust
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response && response.status().code() >= 200) {
            status = response.status().code();
        }
        if (msg instanceof LastHttpContent && status != 0) {
            finish(ctx);
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (status != 0) {
            finish(ctx);
        }
        ctx.fireChannelInactive();
    }

    private void begin(String method) {
        pending = true;
        this.method = method;
        startNanos = System.nanoTime();
        status = 0;
    }

    private void finish(ChannelHandlerContext ctx) {
        if (pending) {
            metrics.response(RouteTag.take(ctx.channel()), method, status, System.nanoTime() - startNanos);
        }
        pending = false;
        status = 0;
    }
}
