package org.fcgate.gateway.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.Optional;
import org.fcgate.gateway.error.Reason;
import org.fcgate.gateway.error.RejectedException;
import org.fcgate.gateway.metrics.RouteTag;
import org.fcgate.gateway.path.RequestPath;
import org.fcgate.gateway.route.Dispatch;
import org.fcgate.gateway.site.CurrentSite;
import org.fcgate.gateway.site.Site;
import org.fcgate.gateway.upstream.UpstreamExchange;
import org.fcgate.gateway.upstream.UpstreamRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request at a time on one connection: route the head, feed the body to where it goes, answer, then let the
 * decoder parse the next request.
 *
 * <ol>
 *   <li>{@link RequestHead}: decode the path and route it. A forward starts the upstream exchange at once (sending
 *       {@code 100 Continue} if asked) so the body can stream to it. Anything else does not want the body: with
 *       {@code Expect: 100-continue} it is answered at once and the connection closed (the body is never sent);
 *       otherwise the body is read and discarded, keeping the connection usable.</li>
 *   <li>body pieces go to the exchange, which owns and releases them.</li>
 *   <li>the response is written; when its last byte is out the decoder resumes (keep-alive) or the channel
 *       closes.</li>
 *   <li>{@link Rejected} at any point: answer with its status and {@code Connection: close} unless a response has
 *       started, then close. Bytes after the fault are never parsed (R11, R12).</li>
 *   <li>An unexpected exception at any point ({@link #internalError}): the same with 500, logged at ERROR.</li>
 * </ol>
 */
final class ExchangeHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ExchangeHandler.class);

    /** Local redirects (RFC 3875 §6.2.2) one request may follow, like nginx's internal redirect bound of 10. */
    static final int MAX_LOCAL_REDIRECTS = 10;

    private final CurrentSite sites;
    private final Http1RequestDecoder decoder;
    private Exchange current;
    /** The site the current request entered (routes, static files), until the request is over; else null. */
    private Site site;
    private long requestCount;
    /** An unexpected exception was answered with 500 (or cut the response): the connection is closing. */
    private boolean failed;

    ExchangeHandler(CurrentSite sites, Http1RequestDecoder decoder) {
        this.sites = sites;
        this.decoder = decoder;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failed) {
            ReferenceCountUtil.release(msg); // the connection is closing after a 500
            return;
        }
        try {
            handle(ctx, msg);
        } catch (RuntimeException e) {
            internalError(ctx, e);
        }
    }

    private void handle(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof RequestHead head) {
            requestCount++;
            Connections.busy(ctx.channel(), true);
            exitSite(); // a previous request's, had it not been released (defensive: one request at a time)
            site = sites.enter();
            current = new Exchange(ctx, head);
            current.start(route(head));
        } else if (msg instanceof LastHttpContent last) {
            Exchange e = current;
            if (last.content().isReadable()) {
                e.body.content(last.content());
            } else {
                last.release();
            }
            e.requestComplete = true;
            e.body.end(last.trailingHeaders());
        } else if (msg instanceof HttpContent content) {
            current.body.content(content.content());
        } else if (msg instanceof Rejected rejected) {
            onRejected(ctx, rejected.reason());
        } else {
            ReferenceCountUtil.release(msg);
            throw new IllegalStateException("unexpected message " + msg.getClass().getName());
        }
    }

    /**
     * Our bug, not the client's: one ERROR record with the connection, request and cause; 500 with {@code Connection:
     * close} if nothing was sent yet, else the connection is cut (never a clean-looking end); nothing after it on this
     * connection is parsed.
     */
    private void internalError(ChannelHandlerContext ctx, Throwable cause) {
        if (failed) {
            ctx.close();
            return;
        }
        failed = true;
        Exchange e = current;
        boolean started = e != null && e.responseStarted;
        LOG.error("internal error conn={} req={} peer={} uri={} status={}", ctx.channel().id().asShortText(),
                requestCount, ctx.channel().remoteAddress(), e != null ? e.head.request().uri() : "-",
                started ? "aborted" : Reason.INTERNAL_ERROR.status(), cause);
        if (e != null && e.body != null && !e.requestComplete) {
            e.body.abort();
        }
        if (started || !ctx.channel().isActive()) {
            ctx.close();
            return;
        }
        if (e != null) {
            e.responseStarted = true;
        }
        HttpVersion version = e != null ? e.head.request().protocolVersion() : HttpVersion.HTTP_1_1;
        boolean headRequest = e != null && e.head.request().method().equals(HttpMethod.HEAD);
        new ResponseWriter(ctx, version, keepAlive -> decoder.closeGracefully())
                .sendError(Reason.INTERNAL_ERROR, false, headRequest);
    }

    private Dispatch route(RequestHead head) {
        if (head.target().isAsterisk()) {
            return new Dispatch.Refuse(Reason.NOT_FOUND);
        }
        try {
            Site s = site != null ? site : sites.get(); // null only after the connection closed
            return s.router().dispatch(RequestPath.decode(head.target().rawPath()));
        } catch (RejectedException e) {
            return new Dispatch.Refuse(e.reason());
        }
    }

    private void onRejected(ChannelHandlerContext ctx, Reason reason) {
        Exchange e = current;
        // A refused head never became an exchange: it is the next request number.
        log(ctx, e != null ? requestCount : requestCount + 1, reason);
        if (e != null && e.body != null) {
            e.body.abort();
        }
        if (e != null && e.responseStarted) {
            ctx.close();
            return;
        }
        HttpVersion version = e != null ? e.head.request().protocolVersion() : HttpVersion.HTTP_1_1;
        boolean headRequest = e != null && e.head.request().method().equals(HttpMethod.HEAD);
        new ResponseWriter(ctx, version, keepAlive -> decoder.closeGracefully())
                .sendError(reason, false, headRequest);
    }

    private void log(ChannelHandlerContext ctx, long request, Reason reason) {
        // One line per refused request: stable reason, no request bytes (they may carry CR/LF/ESC).
        LOG.info("request refused conn={} req={} peer={} status={} reason={}", ctx.channel().id().asShortText(),
                request, ctx.channel().remoteAddress(), reason.status(), reason);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (current != null && current.body != null && !current.requestComplete) {
            current.body.abort();
        }
        exitSite();
        ctx.fireChannelInactive();
    }

    /** The request is over (answered, or its connection closed): its site may drain. */
    private void exitSite() {
        if (site != null) {
            site.exit();
            site = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            LOG.debug("connection error conn={} peer={}: {}", ctx.channel().id().asShortText(),
                    ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        } else {
            internalError(ctx, cause);
        }
    }

    /** The state of the request being served. */
    private final class Exchange implements ResponseWriter.Completion {
        final ChannelHandlerContext ctx;
        final RequestHead head;
        final ResponseWriter writer;
        final int redirects;
        UpstreamExchange body;
        boolean requestComplete;
        boolean responseStarted;

        Exchange(ChannelHandlerContext ctx, RequestHead head) {
            this(ctx, head, 0);
        }

        Exchange(ChannelHandlerContext ctx, RequestHead head, int redirects) {
            this.ctx = ctx;
            this.head = head;
            this.redirects = redirects;
            this.writer = new ResponseWriter(ctx, head.request().protocolVersion(), this);
        }

        void start(Dispatch dispatch) {
            RouteTag.set(ctx.channel(), dispatch);
            if (dispatch instanceof Dispatch.Forward f) {
                if (head.expectContinue()) {
                    writer.sendContinue();
                }
                boolean secure = ctx.pipeline().get(SslHandler.class) != null;
                UpstreamRequest request = new UpstreamRequest(head.request(), f.path(), head.target().query(),
                        head.host(), f.script(), f.documentRoot(), ctx.channel().remoteAddress(),
                        ctx.channel().localAddress(),
                        head.framing() instanceof BodyFraming.Fixed fixed ? fixed.length()
                                : head.framing().hasBody() ? -1 : 0, secure);
                body = f.upstream().start(request, new UpstreamResponseSink(ctx, head, writer,
                        () -> responseStarted = true, this::redirectLocally));
                return;
            }
            if (head.expectContinue()) {
                // RFC 9110 §10.1.1: a final status instead of 100; we will not read the body, so close.
                body = new DiscardedBody(() -> { });
                answer(dispatch, false);
                return;
            }
            body = new DiscardedBody(() -> answer(dispatch, head.keepAlive()));
        }

        private void answer(Dispatch dispatch, boolean keepAlive) {
            responseStarted = true;
            boolean isHead = head.request().method().equals(HttpMethod.HEAD);
            if (dispatch instanceof Dispatch.Refuse r) {
                if (r.reason().status() >= 500 || r.reason().status() == 400) {
                    log(ctx, requestCount, r.reason());
                }
                writer.sendError(r.reason(), keepAlive, isHead);
            } else if (dispatch instanceof Dispatch.AddSlash a) {
                String query = head.target().query();
                writer.sendRedirect(a.location() + (query.isEmpty() ? "" : "?" + query), keepAlive);
            } else if (dispatch instanceof Dispatch.ServeFile file) {
                HttpMethod method = head.request().method();
                if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
                    writer.sendError(Reason.METHOD_NOT_ALLOWED, keepAlive, isHead);
                    return;
                }
                try {
                    boolean encrypted = ctx.pipeline().get(SslHandler.class) != null;
                    Site s = site != null ? site : sites.get();
                    var response = s.staticFiles().respond(head.request(), file.file(), encrypted);
                    writer.send(response.head(), response.body(), keepAlive);
                } catch (IOException e) {
                    LOG.warn("static file unreadable conn={} file={}: {}", ctx.channel().id().asShortText(),
                            file.file().realPath(), e.toString());
                    writer.sendError(Reason.NOT_FOUND, keepAlive, isHead);
                }
            } else {
                throw new IllegalStateException("not answered here: " + dispatch);
            }
        }

        /**
         * The upstream asked for a local redirect: the same connection serves {@code pathAndQuery} as a GET without a
         * body, routed from the top. A request whose body is still arriving (a streamed body) gets a 302 instead, as
         * we cannot start a second exchange while the first one's body is being read.
         */
        private void redirectLocally(String pathAndQuery) {
            if (!requestComplete) {
                responseStarted = true;
                writer.sendRedirect(HttpResponseStatus.FOUND, pathAndQuery, head.keepAlive());
                return;
            }
            if (redirects >= MAX_LOCAL_REDIRECTS) {
                responseStarted = true;
                log(ctx, requestCount, Reason.TOO_MANY_REDIRECTS);
                writer.sendError(Reason.TOO_MANY_REDIRECTS, head.keepAlive(), isHeadRequest());
                return;
            }
            int q = pathAndQuery.indexOf('?');
            String rawPath = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
            String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
            HttpMethod method = isHeadRequest() ? HttpMethod.HEAD : HttpMethod.GET;
            DefaultHttpRequest request = new DefaultHttpRequest(head.request().protocolVersion(), method,
                    pathAndQuery, head.request().headers().copy());
            request.headers().remove(HttpHeaderNames.CONTENT_LENGTH).remove(HttpHeaderNames.TRANSFER_ENCODING)
                    .remove(HttpHeaderNames.CONTENT_TYPE).remove(HttpHeaderNames.EXPECT);
            RequestHead next = new RequestHead(request, new RequestTarget(rawPath, query, Optional.empty()),
                    head.host(), new BodyFraming.None(), head.keepAlive(), false);
            Exchange e = new Exchange(ctx, next, redirects + 1);
            e.requestComplete = true;
            current = e;
            Dispatch dispatch = route(next);
            if (dispatch instanceof Dispatch.Forward) {
                e.start(dispatch);
                e.body.end(EmptyHttpHeaders.INSTANCE);
            } else {
                e.answer(dispatch, next.keepAlive());
            }
        }

        private boolean isHeadRequest() {
            return head.request().method().equals(HttpMethod.HEAD);
        }

        @Override
        public void responseWritten(boolean keepAlive) {
            if (current == this) {
                current = null;
                Connections.busy(ctx.channel(), false);
                exitSite();
            }
            if (!keepAlive || !requestComplete) {
                // Not reusable, or answered before the body was read (phase 2 upstreams may do this): do not guess
                // where the next request starts.
                decoder.closeGracefully();
                return;
            }
            decoder.resume();
        }
    }
}
