package org.fcgate.gateway.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.fcgate.gateway.metrics.GatewayMetrics;
import org.fcgate.pool.Pool;
import org.fcgate.pool.status.PoolSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoints: {@code /metrics}, {@code /status}, {@code /ping}, {@code /health/live}, {@code /health/ready}
 * (GET and HEAD only; rendering reads scoreboard copies, never a pool's live state), and the control actions of
 * {@link ControlEndpoints} (POST, token required).
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);

    private final GatewayMetrics metrics;
    private final Health health;
    private final ControlEndpoints control;

    AdminHandler(GatewayMetrics metrics, Health health, ControlEndpoints control) {
        this.metrics = metrics;
        this.health = health;
        this.control = control;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean head = request.method().equals(HttpMethod.HEAD);
        if (!request.decoderResult().isSuccess()) {
            send(ctx, request, HttpResponseStatus.BAD_REQUEST, "text/plain; charset=utf-8", "bad request\n", false);
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        if (ControlEndpoints.isControlPath(path)) {
            FullHttpRequest kept = request.retainedDuplicate(); // answered later when the action is asynchronous
            var answer = control.handle(request, path, ctx.channel().localAddress(), ctx.channel().remoteAddress());
            if (!answer.isDone()) {
                ctx.channel().config().setAutoRead(false); // no pipelined request is answered before this one
            }
            answer.whenComplete((r, error) -> ctx.executor().execute(() -> {
                        try {
                            ControlEndpoints.Reply reply = r != null ? r : ControlEndpoints.Reply.of(
                                    HttpResponseStatus.INTERNAL_SERVER_ERROR, "failed: " + error + "\n");
                            FullHttpResponse response = response(kept, reply.status(), "text/plain; charset=utf-8",
                                    reply.body(), false);
                            reply.allow().ifPresent(v -> response.headers().set(HttpHeaderNames.ALLOW, v));
                            reply.authenticate().ifPresent(v -> response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE,
                                    v));
                            write(ctx, kept, response);
                        } finally {
                            kept.release();
                            ctx.channel().config().setAutoRead(true);
                        }
                    }));
            return;
        }
        if (!head && !request.method().equals(HttpMethod.GET)) {
            send(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                    "method not allowed\n", false);
            return;
        }
        QueryStringDecoder q = new QueryStringDecoder(request.uri());
        Map<String, List<String>> params = q.parameters();
        switch (q.path()) {
            case "/metrics" -> {
                String accept = request.headers().get(HttpHeaderNames.ACCEPT);
                send(ctx, request, HttpResponseStatus.OK, GatewayMetrics.contentType(accept), metrics.scrape(accept),
                        head);
            }
            case "/status" -> status(ctx, request, params, head);
            case "/ping" -> send(ctx, request, HttpResponseStatus.OK, "text/plain; charset=utf-8", "pong\n", head);
            case "/health/live" -> send(ctx, request, HttpResponseStatus.OK, "text/plain; charset=utf-8", "live\n",
                    head);
            case "/health/ready" -> {
                String why = health.notReady(metrics.refresh());
                if (why.isEmpty()) {
                    send(ctx, request, HttpResponseStatus.OK, "text/plain; charset=utf-8", "ready\n", head);
                } else {
                    send(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                            "not ready: " + why + "\n", head);
                }
            }
            default -> send(ctx, request, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8", "not found\n",
                    head);
        }
    }

    private void status(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, List<String>> params,
                        boolean head) {
        List<String> asked = params.get("pool");
        Optional<Pool> pool = asked != null && !asked.isEmpty() ? metrics.pool(asked.get(0))
                : metrics.poolNames().stream().findFirst().flatMap(metrics::pool);
        if (pool.isEmpty()) {
            send(ctx, request, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8", "no such pool\n", head);
            return;
        }
        PoolSnapshot snapshot = pool.get().snapshot(); // one copy under the pool's lock; rendered outside it
        PoolStatus status = PoolStatus.of(snapshot, pool.get().config(), metrics.slowRequests(snapshot.name()),
                Instant.now());
        StatusFormat format = StatusFormat.of(params);
        send(ctx, request, HttpResponseStatus.OK, format.contentType(),
                StatusDocuments.render(format, status, params.containsKey("full")), head);
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
                             String contentType, String body, boolean head) {
        write(ctx, request, response(request, status, contentType, body, head));
    }

    private static FullHttpResponse response(FullHttpRequest request, HttpResponseStatus status, String contentType,
                                             String body, boolean head) {
        ByteBuf content = head ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), status, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.getBytes(StandardCharsets.UTF_8).length);
        // As php-fpm's status page: never cached.
        response.headers().set(HttpHeaderNames.EXPIRES, "Thu, 01 Jan 1970 00:00:00 GMT");
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache, no-store, must-revalidate, max-age=0");
        return response;
    }

    private static void write(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
        boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        var f = ctx.writeAndFlush(response);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof io.netty.handler.timeout.ReadTimeoutException || cause instanceof java.io.IOException) {
            LOG.debug("admin connection closed conn={}: {}", ctx.channel().id().asShortText(), cause.toString());
            ctx.close();
            return;
        }
        LOG.warn("admin request failed conn={} peer={}", ctx.channel().id().asShortText(),
                ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
