package org.fcgate.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
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
 * The client side of an upstream exchange. Framing is ours, not the upstream's. A response without Content-Length
 * is held until the end of the loop turn that brought its head: when its end arrived in that turn too (a short
 * response whose head, body and END_REQUEST came in one read, as most do), it goes out whole with a Content-Length
 * (and keeps an HTTP/1.0 connection alive); otherwise, or past {@value #HELD_MAX} bytes, it is chunked for HTTP/1.1
 * clients and delimited by close for HTTP/1.0 clients (R13, never chunked to 1.0). HEAD responses and bodiless
 * statuses get no body bytes whatever the upstream sends (R16).
 */
final class UpstreamResponseSink implements ResponseSink {

    private enum State { NO_HEAD, HEAD_SENT, ENDED }

    /** Body bytes held with a head that has no length yet; past this the response is sent chunked at once. */
    static final int HELD_MAX = 64 * 1024;

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
    /** A head without Content-Length, not written yet; with the body bytes that came after it in this loop turn. */
    private HttpResponse heldHead;
    private ByteBuf heldBody;
    /** Completes when the held body bytes are written (each {@link #content} returned it). */
    private ChannelPromise heldWritten;

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
            heldHead = head; // framed at end() or at the end of this loop turn, whichever comes first
            queueFlush();
            return;
        }
        writer.writeHead(head, keepAlive);
    }

    /** The held head goes out without a length: chunked to HTTP/1.1, delimited by close to HTTP/1.0. */
    private void releaseUnframed() {
        HttpResponse head = heldHead;
        heldHead = null;
        if (request.request().protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        } else {
            keepAlive = false;
        }
        writer.writeHead(head, keepAlive);
        writeHeldBody();
    }

    /** The held head goes out with the length of everything held: the response ended in the turn of its head. */
    private void releaseWhole() {
        HttpResponse head = heldHead;
        heldHead = null;
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, heldBody == null ? 0 : heldBody.readableBytes());
        writer.writeHead(head, keepAlive);
        writeHeldBody();
    }

    private void writeHeldBody() {
        if (heldBody != null) {
            ctx.write(new DefaultHttpContent(heldBody), heldWritten);
            heldBody = null;
            heldWritten = null;
        }
    }

    @Override
    public Future<Void> content(ByteBuf chunk) {
        requireState(State.HEAD_SENT);
        if (dropBody) {
            chunk.release();
            return ctx.executor().newSucceededFuture(null);
        }
        if (heldHead != null) {
            if (heldBody == null) {
                heldBody = chunk;
                heldWritten = ctx.newPromise();
            } else {
                CompositeByteBuf all = heldBody instanceof CompositeByteBuf c ? c
                        : ctx.alloc().compositeBuffer(16).addComponent(true, heldBody);
                heldBody = all.addComponent(true, chunk);
            }
            Future<Void> written = heldWritten;
            if (heldBody.readableBytes() > HELD_MAX) {
                releaseUnframed();
            }
            return written;
        }
        // Flushed at the end of this loop turn (Netty's FlushConsolidationHandler idea): when the upstream's last
        // bytes and its end arrive in one read, as for most short responses, body and end go out in one write.
        Future<Void> written = ctx.write(new DefaultHttpContent(chunk));
        queueFlush();
        return written;
    }

    private void queueFlush() {
        if (!flushQueued) {
            flushQueued = true;
            ctx.executor().execute(flush);
        }
    }

    private void flushQueued() {
        flushQueued = false;
        if (heldHead != null) {
            releaseUnframed();
        }
        ctx.flush();
    }

    @Override
    public void end() {
        requireState(State.HEAD_SENT);
        state = State.ENDED;
        if (heldHead != null) {
            releaseWhole();
        }
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
            if (heldHead != null) {
                releaseUnframed(); // as if the turn had ended: what arrived goes out, then the cut
            }
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
