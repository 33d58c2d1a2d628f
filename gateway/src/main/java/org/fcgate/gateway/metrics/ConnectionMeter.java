package org.fcgate.gateway.metrics;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;

/**
 * First in a client pipeline: counts the bytes on the wire both ways and the connection while it is open. It holds no
 * per-connection state, so one instance (and one close listener) serves every connection: an idle connection pays only
 * for its pipeline context.
 */
@ChannelHandler.Sharable
final class ConnectionMeter extends ChannelDuplexHandler {

    private final HttpMetrics metrics;
    private final ChannelFutureListener closed;

    ConnectionMeter(HttpMetrics metrics) {
        this.metrics = metrics;
        this.closed = f -> metrics.connectionClosed();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        metrics.connectionOpened();
        ctx.channel().closeFuture().addListener(closed);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            metrics.received(b.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf b) {
            metrics.sent(b.readableBytes());
        } else if (msg instanceof FileRegion r) {
            metrics.sent(r.count());
        } else if (msg instanceof ByteBufHolder h) {
            metrics.sent(h.content().readableBytes());
        }
        ctx.write(msg, promise);
    }
}
