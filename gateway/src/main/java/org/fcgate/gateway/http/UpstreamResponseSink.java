package org.fcgate.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import org.fcgate.gateway.accesslog.UpstreamTrace;
import org.fcgate.gateway.error.Reason;
import org.fcgate.gateway.upstream.ResponseSink;

/**
 * The client side of an upstream exchange. Framing is ours, not the upstream's: a response without Content-Length
 * is chunked for HTTP/1.1 clients and delimited by close for HTTP/1.0 clients (R13, never chunked to 1.0); HEAD
 * responses and bodiless statuses get no body bytes whatever the upstream sends (R16).
 */
final class UpstreamResponseSink implements ResponseSink {

    private enum State { NO_HEAD, HEAD_SENT, ENDED }

    private final ChannelHandlerContext ctx;
    private final RequestHead request;
    private final ResponseWriter writer;
    private final Runnable onStart;
    private final Consumer<String> localRedirect;
    private State state = State.NO_HEAD;
    private boolean keepAlive;
    private boolean dropBody;
    /** A flush of written content is queued on the loop: body bytes go out once per loop turn, not once per chunk. */
    private boolean flushQueued;
    private final Runnable flush = this::flushQueued;

    UpstreamResponseSink(ChannelHandlerContext ctx, RequestHead request, ResponseWriter writer, Runnable onStart,
                         Consumer<String> localRedirect) {
        this.ctx = ctx;
        this.request = request;
        this.writer = writer;
        this.onStart = onStart;
        this.localRedirect = localRedirect;
        this.keepAlive = request.keepAlive();
    }

    @Override
    public EventExecutor executor() {
        return ctx.executor();
    }

    @Override
    public void head(HttpResponse head) {
        requireState(State.NO_HEAD);
        state = State.HEAD_SENT;
        onStart.run();
        int code = head.status().code();
        dropBody = request.request().method().equals(HttpMethod.HEAD) || code == 204 || code == 304;
        head.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        head.headers().remove(HttpHeaderNames.CONNECTION);
        if (!dropBody && !head.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            if (request.request().protocolVersion().equals(HttpVersion.HTTP_1_1)) {
                head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else {
                keepAlive = false;
            }
        }
        writer.writeHead(head, keepAlive);
    }

    @Override
    public Future<Void> content(ByteBuf chunk) {
        requireState(State.HEAD_SENT);
        if (dropBody) {
            chunk.release();
            return ctx.executor().newSucceededFuture(null);
        }
        // Flushed at the end of this loop turn (Netty's FlushConsolidationHandler idea): when the upstream's last
        // bytes and its end arrive in one read, as for most short responses, body and end go out in one write.
        Future<Void> written = ctx.write(new DefaultHttpContent(chunk));
        if (!flushQueued) {
            flushQueued = true;
            ctx.executor().execute(flush);
        }
        return written;
    }

    private void flushQueued() {
        flushQueued = false;
        ctx.flush();
    }

    @Override
    public void end() {
        requireState(State.HEAD_SENT);
        state = State.ENDED;
        writer.whenWritten(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT), keepAlive);
    }

    @Override
    public void fail(Reason reason) {
        fail(reason, Optional.empty());
    }

    @Override
    public void fail(Reason reason, Duration retryAfter) {
        fail(reason, Optional.of(retryAfter));
    }

    @Override
    public void redirectLocally(String pathAndQuery) {
        requireState(State.NO_HEAD);
        state = State.ENDED;
        localRedirect.accept(pathAndQuery);
    }

    @Override
    public Future<Void> closeFuture() {
        return ctx.channel().closeFuture();
    }

    @Override
    public UpstreamTrace trace() {
        return UpstreamTrace.of(ctx.channel());
    }

    private void fail(Reason reason, Optional<Duration> retryAfter) {
        if (state == State.ENDED) {
            return;
        }
        if (state == State.HEAD_SENT) {
            state = State.ENDED;
            ctx.flush(); // what arrived goes out before the cut (R46, R48), even if its flush is still queued
            ctx.close();
            return;
        }
        state = State.ENDED;
        onStart.run();
        // The request's framing was fine, so the connection stays usable (if its body has been read).
        writer.sendError(reason, keepAlive, request.request().method().equals(HttpMethod.HEAD), retryAfter);
    }

    private void requireState(State expected) {
        if (state != expected) {
            throw new IllegalStateException("state: " + state);
        }
    }
}
