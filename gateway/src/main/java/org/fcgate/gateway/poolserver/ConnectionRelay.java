package org.fcgate.gateway.poolserver;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.fcgate.fcgi.app.ApplicationRequestDecoder;
import org.fcgate.fcgi.app.RequestListener;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.RecordType;
import org.fcgate.fcgi.protocol.Role;
import org.fcgate.pool.AcquireResult;
import org.fcgate.pool.Lease;
import org.fcgate.pool.Revocation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One web server connection to the pool server (HexDumpProxy's frontend handler), relayed record by record to a
 * leased child per request.
 *
 * <p>Steps (FastCGI 1.0 §3–§6):
 * <ol>
 *   <li>Read one batch at a time ({@code AUTO_READ} off) and decode it with the application-role decoder, which
 *       checks the web server's side of the protocol. GET_VALUES is answered here ({@link ManagementAnswers}), an
 *       unknown management record with UNKNOWN_TYPE (§4.2).</li>
 *   <li>BEGIN_REQUEST opens the connection's one request; another one while it runs is answered END_REQUEST
 *       CANT_MPX_CONN (§5.5) and its records dropped; an unknown role is answered UNKNOWN_ROLE.</li>
 *   <li>The request's records are re-encoded for the child (BEGIN_REQUEST without KEEP_CONN: one connection per
 *       request, as the gateway does) and held until a child is connected. When PARAMS are complete,
 *       {@code pool.acquire} runs (never blocking the loop) and the web server is not read until the held records
 *       are written. Refused → END_REQUEST OVERLOADED (§5.5), nothing on STDOUT.</li>
 *   <li>Granted → connect to {@code lease.address()} on this event loop; STDIN/DATA go to the child, STDOUT and
 *       STDERR come back, each side read again only when the other took the previous batch (STYLE 12).</li>
 *   <li>The child's END_REQUEST is forwarded (after an empty STDOUT if the child left it out), the lease released,
 *       the child connection closed; the web server's connection is closed too unless it asked KEEP_CONN.</li>
 * </ol>
 * Failures: before any STDOUT went out, the web server gets a CGI head {@code Status: 504} (request timed out) or
 * {@code Status: 502} (child died, closed early, broke the protocol, could not be connected) and a normal END_REQUEST,
 * and its connection stays usable; after STDOUT started, its connection is closed (never a clean-looking end). The
 * child is released broken. ABORT_REQUEST (§5.4) or the web server closing mid-request also releases it broken,
 * except after the child's end of STDOUT: then the child is read to its END_REQUEST and released as usual.
 */
final class ConnectionRelay extends ChannelInboundHandlerAdapter implements RequestListener {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionRelay.class);
    /** How long a child whose web server left may take to answer the ABORT_REQUEST before it is replaced. */
    private static final Duration ABANDON_GRACE = Duration.ofSeconds(1);

    private final PoolEndpoint endpoint;
    private final RelayTransport transport;
    private final ApplicationRequestDecoder decoder = new ApplicationRequestDecoder(FcgiLimits.DEFAULTS, this);
    private ChannelHandlerContext ctx;
    private RelayedRequest current;
    private boolean closed;
    /** The pool was removed by a reload: close once the request being relayed is over. */
    private boolean draining;
    /** The last write of the batch being handled, to the child and to the web server: the next read waits for it. */
    private ChannelFuture batchToChild;
    private ChannelFuture batchToWebServer;

    ConnectionRelay(PoolEndpoint endpoint, RelayTransport transport) {
        this.endpoint = endpoint;
        this.transport = transport;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
    }

    /** {@link PoolEndpoint#DRAIN}: the pool was removed by a reload; close now if idle, else after the request. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt != PoolEndpoint.DRAIN) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        draining = true;
        if (current == null && !closed) {
            closed = true;
            ctx.close();
        }
    }

    // ---- web server → child

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        batchToChild = null;
        batchToWebServer = null;
        try {
            for (ByteBuffer b : buf.nioBuffers()) {
                decoder.feed(b);
            }
        } catch (FcgiProtocolException e) {
            LOG.warn("pool server: web server broke the protocol pool={} remote={} cause={}", endpoint.name(),
                    ctx.channel().remoteAddress(), e.getMessage());
            ctx.close();
            return;
        } finally {
            buf.release();
        }
        ctx.flush();
        if (current != null && current.state() == RelayedRequest.State.RELAYING) {
            current.child().orElseThrow().flush();
        }
        readWhenWritten();
    }

    /** The next read waits until this batch's writes are done, and while records are held for a child. */
    private void readWhenWritten() {
        if (closed) {
            return;
        }
        if (current != null && (current.state() == RelayedRequest.State.ACQUIRING
                || current.state() == RelayedRequest.State.CONNECTING)) {
            return; // resumed when the held records are written, or when the request ends
        }
        List<ChannelFuture> writes = Stream.of(batchToChild, batchToWebServer).filter(Objects::nonNull).toList();
        if (writes.isEmpty()) {
            ctx.read();
            return;
        }
        int[] left = {writes.size()};
        ChannelFutureListener readOn = f -> {
            // A failed write closes its channel; the request's end then resumes reading (or closes).
            if (f.isSuccess() && --left[0] == 0 && !closed) {
                ctx.read();
            }
        };
        writes.forEach(w -> w.addListener(readOn));
    }

    @Override
    public void onBeginRequest(int requestId, Role role, int roleCode, boolean keepConn) {
        if (current != null) {
            // §5.5: this connection carries one request at a time (FCGI_MPXS_CONNS=0).
            toWebServer(Records.endRequest(ctx.alloc(), requestId, 0, ProtocolStatus.CANT_MPX_CONN));
            decoder.complete(requestId);
            return;
        }
        if (role == null) {
            RelayedRequest refused = new RelayedRequest(requestId, Role.RESPONDER, keepConn);
            current = refused;
            end(refused, toWebServer(Records.endRequest(ctx.alloc(), requestId, 0, ProtocolStatus.UNKNOWN_ROLE)));
            return;
        }
        current = new RelayedRequest(requestId, role, keepConn);
        toChild(current, Records.beginRequest(ctx.alloc(), requestId, role));
    }

    @Override
    public void onParams(int requestId, Params params) {
        RelayedRequest r = active(requestId);
        if (r == null) {
            return;
        }
        try {
            toChild(r, Records.params(ctx.alloc(), requestId, params));
        } catch (IllegalArgumentException e) {
            // A pair too large for one record: the web server's reassembled PARAMS cannot be re-encoded strictly.
            fail(r, 502, "Bad Gateway", "params cannot be forwarded: " + e.getMessage());
            return;
        }
        PoolEndpoint.Served served = endpoint.enter(); // exited when the request is finished
        r.acquiring(params, served);
        EventLoop loop = ctx.channel().eventLoop();
        served.exposed().pool().acquire(r.info()).whenComplete((result, error) -> {
            try {
                loop.execute(() -> acquired(r, result, error));
            } catch (RejectedExecutionException e) {
                if (result instanceof AcquireResult.Granted g) {
                    g.lease().release(); // shutting down: the child was never used
                }
            }
        });
    }

    @Override
    public void onStdin(int requestId, ByteBuffer chunk) {
        forwardStream(requestId, RecordType.STDIN, chunk);
    }

    @Override
    public void onStdinEnd(int requestId) {
        forwardStreamEnd(requestId, RecordType.STDIN);
    }

    @Override
    public void onData(int requestId, ByteBuffer chunk) {
        forwardStream(requestId, RecordType.DATA, chunk);
    }

    @Override
    public void onDataEnd(int requestId) {
        forwardStreamEnd(requestId, RecordType.DATA);
    }

    private void forwardStream(int requestId, RecordType type, ByteBuffer chunk) {
        RelayedRequest r = active(requestId);
        if (r != null && chunk.hasRemaining()) {
            toChild(r, Records.stream(ctx.alloc(), type, requestId, chunk));
        }
    }

    private void forwardStreamEnd(int requestId, RecordType type) {
        RelayedRequest r = active(requestId);
        if (r != null) {
            toChild(r, Records.endOfStream(ctx.alloc(), type, requestId));
        }
    }

    @Override
    public void onAbort(int requestId) {
        RelayedRequest r = active(requestId);
        if (r == null) {
            return;
        }
        // §5.4: the application answers an abort with END_REQUEST. The child may be mid-request: replaced.
        LOG.info("pool server: web server aborted the request pool={} pid={} uri={}", endpoint.name(),
                r.pid(), r.info().uri());
        abandonChild(r);
        end(r, toWebServer(Records.endRequest(ctx.alloc(), requestId, 0, ProtocolStatus.REQUEST_COMPLETE)));
    }

    @Override
    public void onGetValues(Params query) {
        toWebServer(Records.getValuesResult(ctx.alloc(), ManagementAnswers.getValues(query,
                endpoint.get().exposed().pool().config())));
    }

    @Override
    public void onUnknownManagementRecord(int type) {
        toWebServer(Records.unknownType(ctx.alloc(), type));
    }

    // ---- lease and child connection

    private void acquired(RelayedRequest r, AcquireResult result, Throwable error) {
        if (r.isFinished()) {
            if (result instanceof AcquireResult.Granted g) {
                g.lease().release(); // aborted or the web server left while queued: the child was never used
            }
            return;
        }
        if (error != null) {
            fail(r, 502, "Bad Gateway", "acquire failed: " + error);
        } else if (result instanceof AcquireResult.Rejected rejected) {
            LOG.info("pool server: pool refused the request pool={} reason={} uri={}", endpoint.name(),
                    rejected.reason(), r.info().uri());
            end(r, toWebServer(Records.endRequest(ctx.alloc(), r.id(), 0, ProtocolStatus.OVERLOADED)));
        } else {
            connect(r, ((AcquireResult.Granted) result).lease());
        }
    }

    private void connect(RelayedRequest r, Lease lease) {
        EventLoop loop = ctx.channel().eventLoop();
        lease.revoked().thenAccept(why -> {
            try {
                loop.execute(() -> revoked(r, why));
            } catch (RejectedExecutionException e) {
                // shutting down: the connections are being closed anyway
            }
        });
        boolean unix = lease.address() instanceof UnixDomainSocketAddress;
        ChannelFuture connecting = new Bootstrap().group(loop).channel(transport.clientChannel(unix))
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        r.served().exposed().connectTimeout().toMillis()))
                .handler(new ChildRelay(this, r))
                .connect(transport.childAddress(lease.address()));
        r.connecting(lease, connecting.channel());
        connecting.addListener((ChannelFuture f) -> connected(r, f));
    }

    private void connected(RelayedRequest r, ChannelFuture f) {
        if (r.isFinished()) {
            f.channel().close();
            return;
        }
        if (!f.isSuccess()) {
            fail(r, 502, "Bad Gateway", "cannot connect to the child: " + f.cause());
            return;
        }
        r.relaying();
        Channel child = f.channel();
        ChannelFuture last = null;
        for (ByteBuf record : r.takeHeld()) {
            last = child.write(record);
        }
        child.flush();
        child.read();
        if (last == null) {
            ctx.read();
        } else {
            last.addListener(w -> {
                if (w.isSuccess() && !closed) {
                    ctx.read();
                }
            });
        }
    }

    private void revoked(RelayedRequest r, Revocation why) {
        if (!r.isFinished()) {
            fail(r, why == Revocation.TIMED_OUT ? 504 : 502, why == Revocation.TIMED_OUT ? "Gateway Timeout"
                    : "Bad Gateway", "lease revoked: " + why);
        }
    }

    // ---- child → web server (called by ChildRelay)

    void fromChild(RelayedRequest r, RecordType type, ByteBuffer chunk) {
        if (r.isFinished() || !chunk.hasRemaining()) {
            return;
        }
        if (type == RecordType.STDOUT) {
            r.stdoutSent(true);
        }
        toWebServer(Records.stream(ctx.alloc(), type, r.id(), chunk));
    }

    void stdoutEnded(RelayedRequest r) {
        if (!r.isFinished() && !r.stdoutEnded()) {
            r.stdoutEnded(true);
            toWebServer(Records.endOfStream(ctx.alloc(), RecordType.STDOUT, r.id()));
        }
    }

    void childEnded(RelayedRequest r, int appStatus, ProtocolStatus status) {
        if (r.isFinished()) {
            return;
        }
        stdoutEnded(r); // strict out: the stream is closed by its empty record before END_REQUEST
        ChannelFuture last = toWebServer(Records.endRequest(ctx.alloc(), r.id(), appStatus, status));
        r.lease().orElseThrow().release();
        r.child().orElseThrow().close();
        end(r, last);
    }

    /** A read from the child is about to be decoded. */
    void childBatchStarted() {
        batchToWebServer = null;
    }

    /** The child's records of one read were handed over: read it again once the web server took them. */
    void childBatchDone(RelayedRequest r, Channel child) {
        if (r.isFinished()) {
            return;
        }
        ChannelFuture lastWrite = batchToWebServer;
        ctx.flush();
        if (lastWrite == null || !ctx.channel().isActive()) { // (draining: see channelInactive)
            child.read();
        } else {
            lastWrite.addListener(f -> {
                if (f.isSuccess() && !r.isFinished()) {
                    child.read();
                }
            });
        }
    }

    void childFailed(RelayedRequest r, String detail) {
        if (r.isFinished()) {
            return;
        }
        // A timed-out child is killed: its connection may close before the revocation task ran here.
        boolean timedOut = r.revocation().filter(why -> why == Revocation.TIMED_OUT).isPresent();
        fail(r, timedOut ? 504 : 502, timedOut ? "Gateway Timeout" : "Bad Gateway", detail);
    }

    // ---- ends

    /** The one failure path: log once, child released broken, a made-up 502/504 or a cut connection. */
    private void fail(RelayedRequest r, int status, String reason, String detail) {
        LOG.warn("pool server request failed pool={} pid={} uri={} status={} cause={}", endpoint.name(),
                r.pid(), r.info().uri(), r.stdoutSent() ? "aborted" : status, detail);
        abandonChild(r);
        if (r.stdoutSent()) {
            r.finished();
            current = null;
            ctx.close(); // the response had started: only a cut connection says it is incomplete
            return;
        }
        end(r, toWebServer(Records.errorResponse(ctx.alloc(), r.id(), status, reason)));
    }

    /** Gives the child back broken (a no-op after a revocation) and drops its connection. */
    private void abandonChild(RelayedRequest r) {
        r.lease().ifPresent(Lease::releaseBroken);
        r.child().ifPresent(Channel::close);
    }

    /** The request is over for the web server; its connection is kept only if it asked for KEEP_CONN. */
    private void end(RelayedRequest r, ChannelFuture lastWrite) {
        r.finished();
        if (current == r) {
            current = null;
        }
        decoder.complete(r.id());
        if (closed) {
            return;
        }
        ctx.flush();
        if (!r.keepConn() || draining) {
            closed = true; // FCGI_KEEP_CONN unset: the application closes after END_REQUEST (§5.1)
            lastWrite.addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.read();
        }
    }

    private RelayedRequest active(int requestId) {
        return current != null && current.id() == requestId && !current.isFinished() ? current : null;
    }

    private void toChild(RelayedRequest r, ByteBuf record) {
        if (r.state() == RelayedRequest.State.RELAYING) {
            batchToChild = r.child().orElseThrow().write(record);
        } else {
            r.hold(record);
        }
    }

    private ChannelFuture toWebServer(ByteBuf record) {
        ChannelFuture f = ctx.write(record);
        batchToWebServer = f;
        return f;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        RelayedRequest r = current;
        if (r != null && r.state() == RelayedRequest.State.RELAYING && r.stdoutEnded()) {
            // The web server had the whole response and left before END_REQUEST (nginx with fastcgi_keep_conn does
            // when the body reached its Content-Length first): read the child to its END_REQUEST and keep it.
            current = null;
            return;
        }
        if (r != null && r.state() == RelayedRequest.State.RELAYING) {
            // The web server left while the child was still answering. That is often benign (nginx closes once the
            // body reached its Content-Length, racing the child's last records), so ask the child to stop (§5.4) and
            // give it ABANDON_GRACE to answer END_REQUEST before it is treated as stuck and replaced.
            current = null;
            r.child().orElseThrow().writeAndFlush(Records.abortRequest(ctx.alloc(), r.id()));
            ctx.executor().schedule(() -> {
                if (!r.isFinished()) {
                    LOG.info("pool server: web server closed the connection mid-request pool={} pid={} uri={}",
                            endpoint.name(), r.pid(), r.info().uri());
                    abandonChild(r);
                    r.finished();
                }
            }, ABANDON_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        if (r != null) {
            current = null;
            LOG.info("pool server: web server closed the connection mid-request pool={} pid={} uri={}",
                    endpoint.name(), r.pid(), r.info().uri());
            abandonChild(r);
            r.finished();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("pool server connection failed pool={} remote={} cause={}", endpoint.name(),
                ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
