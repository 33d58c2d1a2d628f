package org.fcgate.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.fcgate.gateway.error.Reason;
import org.fcgate.gateway.staticfiles.PreparedHead;
import org.fcgate.gateway.staticfiles.StaticResponse;

/**
 * Writes complete responses for one connection and decides what happens after the last byte: read the next request
 * (keep-alive) or close. Every response carries Date and, when the connection will not be reused, {@code
 * Connection: close}; HTTP/1.0 keep-alive is acknowledged with {@code Connection: keep-alive}. While the gateway
 * drains ({@link Connections}) no connection is reused.
 */
final class ResponseWriter {

    /** What to do once a response is fully written (or failed to be; the channel is then already closing). */
    interface Completion {
        /** {@code keepAlive} false: the connection must be closed by the completion. */
        void responseWritten(boolean keepAlive);
    }

    /** Name of the lazily added {@link ChunkedWriteHandler}. */
    static final String CHUNKED = "chunked";

    private final ChannelHandlerContext ctx;
    private final HttpVersion requestVersion;
    private final Completion completion;

    /** One writer per exchange; {@code requestVersion} is HTTP/1.1 when the request line was never understood. */
    ResponseWriter(ChannelHandlerContext ctx, HttpVersion requestVersion, Completion completion) {
        this.ctx = ctx;
        this.requestVersion = requestVersion;
        this.completion = completion;
    }

    void sendContinue() {
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    }

    /** A small text/plain response for {@code reason}; no body bytes for HEAD. */
    void sendError(Reason reason, boolean keepAlive, boolean headRequest) {
        sendError(reason, keepAlive, headRequest, Optional.empty());
    }

    /** As {@link #sendError(Reason, boolean, boolean)}, with {@code Retry-After} in whole seconds when given. */
    void sendError(Reason reason, boolean keepAlive, boolean headRequest, Optional<Duration> retryAfter) {
        HttpResponseStatus status = HttpResponseStatus.valueOf(reason.status());
        ByteBuf body = Unpooled.copiedBuffer(status.code() + " " + status.reasonPhrase() + ": " + reason.message()
                + "\n", StandardCharsets.US_ASCII);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (reason == Reason.METHOD_NOT_ALLOWED) {
            head.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        }
        retryAfter.ifPresent(d -> head.headers().set(HttpHeaderNames.RETRY_AFTER,
                Math.max(1, (d.toMillis() + 999) / 1000)));
        if (headRequest) {
            body.release();
            send(head, new StaticResponse.Body.Empty(), keepAlive);
        } else {
            send(head, new StaticResponse.Body.Bytes(body), keepAlive);
        }
    }

    void sendRedirect(String location, boolean keepAlive) {
        sendRedirect(HttpResponseStatus.MOVED_PERMANENTLY, location, keepAlive);
    }

    void sendRedirect(HttpResponseStatus status, String location, boolean keepAlive) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        head.headers().set(HttpHeaderNames.LOCATION, location);
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        send(head, new StaticResponse.Body.Empty(), keepAlive);
    }

    /** Writes head, body and the end of the message; the body is consumed (released or closed) in every case. */
    void send(HttpResponse head, StaticResponse.Body body, boolean keepAlive) {
        writeHead(head, keepAlive);
        ChannelFuture last;
        if (body instanceof StaticResponse.Body.Bytes b) {
            ctx.write(b.content());
            last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } else if (body instanceof StaticResponse.Body.Region r) {
            ctx.write(r.region());
            last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } else if (body instanceof StaticResponse.Body.Chunks c) {
            ensureChunkedWriter();
            last = ctx.writeAndFlush(c.input()); // HttpChunkedInput ends with its own LastHttpContent
        } else {
            last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        whenWritten(last, keepAlive);
    }

    /** Adds the connection-level headers and writes {@code head} without flushing. */
    void writeHead(HttpResponse head, boolean keepAlive) {
        keepAlive = keepAlive && !Connections.draining(ctx.channel());
        if (head instanceof PreparedHead prepared) { // the encoder adds Date
            prepared.connection(!keepAlive ? PreparedHead.Connection.CLOSE
                    : requestVersion.equals(HttpVersion.HTTP_1_0) ? PreparedHead.Connection.KEEP_ALIVE
                    : PreparedHead.Connection.NONE);
            ctx.write(head);
            return;
        }
        head.headers().set(HttpHeaderNames.DATE, HttpDate.now());
        if (!keepAlive) {
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (requestVersion.equals(HttpVersion.HTTP_1_0)) {
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ctx.write(head);
    }

    /**
     * {@link ChunkedWriteHandler} is only needed for a {@link StaticResponse.Body.Chunks} body (TLS, or sendfile off):
     * it is added to the connection the first time one is sent, just below the exchange handler, and stays.
     */
    private void ensureChunkedWriter() {
        ChannelPipeline p = ctx.pipeline();
        if (p.get(CHUNKED) == null) {
            p.addBefore(ctx.name(), CHUNKED, new ChunkedWriteHandler());
        }
    }

    void whenWritten(ChannelFuture last, boolean keepAlive) {
        last.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ctx.close();
                completion.responseWritten(false);
                return;
            }
            // A drain that began after the head went out: the response is complete, the connection ends here.
            completion.responseWritten(keepAlive && !Connections.draining(ctx.channel()));
        });
    }
}
