package org.fcgate.gateway.fastcgi;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code send_timeout} of {@code fastcgi_servers} (nginx's {@code fastcgi_send_timeout}): request bytes wait to be
 * written to the server and it takes none of them for the timeout — a php-fpm that stopped reading the request body,
 * a peer whose socket buffer stays full. Then {@link SendTimeoutException} goes down the pipeline to the
 * {@link BackendHandler}, and the request's exchange answers 504.
 *
 * <p>Costs nothing on the usual path: the timer is armed only when a flush leaves bytes unwritten (the socket buffer
 * was full), and progress is checked from counters when it fires, so a slow but moving upload is never cut.
 */
final class SendTimeoutHandler extends ChannelDuplexHandler {

    /** The server took no request byte for the send timeout. */
    static final class SendTimeoutException extends IOException {
        SendTimeoutException(String message) {
            super(message);
        }
    }

    private final long timeoutNanos;
    /** Bytes ever passed to write(); written so far = queued - still pending in the outbound buffer. */
    private long queued;
    private long writtenAtCheck;
    private ScheduledFuture<?> timer;

    SendTimeoutHandler(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf b) {
            queued += b.readableBytes();
        }
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush();
        if (timer == null && pending(ctx) > 0) {
            writtenAtCheck = written(ctx);
            timer = ctx.executor().schedule(() -> check(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void check(ChannelHandlerContext ctx) {
        if (!ctx.executor().inEventLoop()) {
            // The kept connection moved to another loop after the timer was set: check there, with its state.
            ctx.executor().execute(() -> check(ctx));
            return;
        }
        timer = null;
        if (!ctx.channel().isActive() || pending(ctx) == 0) {
            return;
        }
        long written = written(ctx);
        if (written != writtenAtCheck) {
            writtenAtCheck = written; // it moves: wait another full timeout from now
            timer = ctx.executor().schedule(() -> check(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
            return;
        }
        ctx.fireExceptionCaught(new SendTimeoutException("server took no request byte for "
                + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms (send_timeout), " + pending(ctx)
                + " bytes unsent"));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private long written(ChannelHandlerContext ctx) {
        return queued - pending(ctx);
    }

    private static long pending(ChannelHandlerContext ctx) {
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }
}
