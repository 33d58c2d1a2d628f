package org.fcgate.gateway.accesslog;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.fcgate.gateway.http.Rejected;
import org.fcgate.gateway.http.RequestHead;
import org.fcgate.gateway.metrics.RouteTag;

/**
 * The one completion hook of a client connection (requests are served one at a time): the clock starts at the
 * request head (or at a refusal of a head that never parsed), the status is the response head's, and the request
 * completes when the response's last part is written — or when the connection closes (an aborted response, or a
 * client gone before any response: status 0). {@code 100 Continue} is not a response. Each completion goes to every
 * {@link ExchangeListener} (metrics, access log).
 *
 * <p>With a {@link SlowRequestLog}, a timer on the connection's event loop is armed when the head arrives and
 * cancelled at completion; if it fires, the request is still running and is reported once.
 *
 * <p>Sits between the response encoder and the chunked writer, so it sees response heads, contents and file
 * regions, and request heads before the exchange handler.
 */
public final class ExchangeRecorder extends ChannelDuplexHandler {

    private final List<ExchangeListener> listeners;
    private final SlowRequestLog slowLog;
    private boolean pending;
    private long startNanos;
    private RequestHead head;
    private int status;
    private long bodyBytes;
    private UpstreamTrace trace;
    private ScheduledFuture<?> slowTimer;

    ExchangeRecorder(List<ExchangeListener> listeners, SlowRequestLog slowLog) {
        this.listeners = List.copyOf(listeners);
        this.slowLog = slowLog;
    }

    /**
     * A pipeline hook adding the recorder (named {@code exchanges}) before {@code exchange} (so after the response
     * encoder, and before a {@code chunked} writer added later); a no-op when nobody
     * listens and there is no slow log. {@code slowLog} may be null.
     */
    public static Consumer<ChannelPipeline> hook(List<ExchangeListener> listeners, SlowRequestLog slowLog) {
        if (listeners.isEmpty() && slowLog == null) {
            return p -> { };
        }
        List<ExchangeListener> copy = List.copyOf(listeners);
        return p -> p.addBefore("exchange", "exchanges", new ExchangeRecorder(copy, slowLog));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof RequestHead h) {
            begin(ctx, h);
        } else if (msg instanceof Rejected && !pending) {
            begin(ctx, null); // the head never parsed: nothing of it can be trusted
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response && response.status().code() >= 200) {
            status = response.status().code();
        }
        if (status != 0) {
            if (msg instanceof HttpContent c) {
                bodyBytes += c.content().readableBytes();
            } else if (msg instanceof ByteBuf b) {
                bodyBytes += b.readableBytes();
            } else if (msg instanceof FileRegion r) {
                bodyBytes += r.count();
            }
        }
        if (msg instanceof LastHttpContent && status != 0) {
            finish(ctx);
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finish(ctx);
        ctx.fireChannelInactive();
    }

    private void begin(ChannelHandlerContext ctx, RequestHead h) {
        cancelSlowTimer();
        pending = true;
        head = h;
        startNanos = System.nanoTime();
        status = 0;
        bodyBytes = 0;
        trace = new UpstreamTrace();
        ctx.channel().attr(UpstreamTrace.KEY).set(trace);
        if (slowLog != null && h != null) {
            UpstreamTrace t = trace;
            long start = startNanos;
            slowTimer = ctx.executor().schedule(() -> slowLog.stillRunning(t, h, System.nanoTime() - start),
                    slowLog.thresholdNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void finish(ChannelHandlerContext ctx) {
        cancelSlowTimer();
        if (pending) {
            long now = System.nanoTime();
            CompletedExchange e = completed(ctx, now);
            for (ExchangeListener l : listeners) {
                l.completed(e);
            }
        }
        pending = false;
        head = null;
        status = 0;
        ctx.channel().attr(UpstreamTrace.KEY).set(null);
    }

    private CompletedExchange completed(ChannelHandlerContext ctx, long now) {
        String method = "";
        String target = "";
        String protocol = "";
        Optional<String> referer = Optional.empty();
        Optional<String> agent = Optional.empty();
        if (head != null) {
            method = head.request().method().name();
            target = head.request().uri();
            protocol = head.request().protocolVersion().text();
            referer = Optional.ofNullable(head.request().headers().get(HttpHeaderNames.REFERER));
            agent = Optional.ofNullable(head.request().headers().get(HttpHeaderNames.USER_AGENT));
        }
        trace.finished();
        return new CompletedExchange(Instant.now(), address(ctx.channel().remoteAddress()), method, target, protocol,
                status, bodyBytes, referer, agent, RouteTag.take(ctx.channel()), Optional.ofNullable(trace.upstream()),
                trace.pid(), trace.queueNanos(now), trace.upstreamNanos(now), now - startNanos);
    }

    private static String address(SocketAddress a) {
        if (a instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return a == null ? "-" : a.toString();
    }

    private void cancelSlowTimer() {
        if (slowTimer != null) {
            slowTimer.cancel(false);
            slowTimer = null;
        }
    }
}
