package org.fcgate.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.error.Reason;
import org.fcgate.gateway.error.RejectedException;

/**
 * Netty adapter for {@link RequestFramer} that owns the connection's read demand (the channel runs with
 * {@code AUTO_READ=false}) and its read timeouts.
 *
 * <p>Flow: it asks for bytes while a request is being received. Once a request is complete it <em>pauses</em>:
 * nothing more is parsed, and once the first bytes of a next request are buffered the socket is not read (TCP
 * backpressure) until the exchange handler calls {@link #resume} after the response has been written. Responses therefore go out in request
 * order and never interleave (RFC 9112 §9.3.2), and a request after a {@code Connection: close} or a refused one is
 * never parsed. Unlike {@link ByteToMessageDecoder}, which decodes everything it holds in one go, this is why the
 * class is not a ByteToMessageDecoder (it only borrows its cumulator).
 *
 * <p>Timeouts (one timer, re-armed when the phase changes): the first request's head must arrive within
 * {@code header} of accept; an idle keep-alive connection is closed after {@code keepAlive}; a head, once started,
 * must complete within {@code header} (slowloris, R62); a body must not be silent for {@code body}. A partial
 * request is answered 408; an idle connection is closed silently.
 */
public final class Http1RequestDecoder extends ChannelInboundHandlerAdapter {

    private enum Phase { FIRST_REQUEST, KEEPALIVE, HEAD, BODY, PAUSED, FAILED, LINGER }

    /** How long and how much a closing connection is drained so the client can read our answer. */
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long LINGER_MAX_BYTES = 1024 * 1024;

    private final RequestFramer framer;
    private final Timeouts timeouts;
    private final List<Object> out = new ArrayList<>();
    private ChannelHandlerContext ctx;
    private ByteBuf buffer;
    private Phase phase = Phase.FIRST_REQUEST;
    private long phaseStartNanos;
    private long lastReadNanos;
    /** The pending timeout check, or null; it runs at {@link #timerDeadlineNanos}. */
    private ScheduledFuture<?> timer;
    private long timerDeadlineNanos;
    private boolean firing;
    private boolean resumePending;
    private long lingerBytes;
    /**
     * When the connection started waiting for a request with nothing of one received ({@link #NOT_IDLE} otherwise),
     * read from the listener's loop by {@link Connections#closeOldestIdle} to pick the oldest; written only when the
     * connection goes idle or stops being idle (two volatile writes per request).
     */
    private volatile long idleSinceNanos = NOT_IDLE;
    private boolean idle;

    /** {@link #idleSinceNanos()} of a connection that is not idle. */
    static final long NOT_IDLE = Long.MIN_VALUE;

    public Http1RequestDecoder(HttpLimits limits, Timeouts timeouts) {
        this.framer = new RequestFramer(limits);
        this.timeouts = timeouts;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        enter(Phase.FIRST_REQUEST);
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (phase == Phase.FAILED || phase == Phase.LINGER) {
            lingerBytes += in.readableBytes();
            in.release();
            if (phase == Phase.LINGER && lingerBytes > LINGER_MAX_BYTES) {
                ctx.close();
            }
            return;
        }
        lastReadNanos = System.nanoTime();
        markIdle(false); // a request has begun: no longer reclaimable (nginx: ngx_reusable_connection(c, 0))
        buffer = buffer == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), buffer, in);
        if (phase == Phase.PAUSED) {
            return; // the start of a pipelined request: kept for after the response, and reading stops
        }
        if (phase == Phase.KEEPALIVE) {
            enter(Phase.HEAD);
        }
        decodeBuffered();
        if (resumePending) {
            resumeNow();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (wantsBytes() && ctx.channel().isActive()) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    /**
     * While a request is being answered (PAUSED) reading goes on until the first byte of a next one is buffered: the
     * read interest then stays registered across the exchange, where removing it after each request and adding it
     * back for the next cost two {@code epoll_ctl} calls per request with Netty's epoll transport. A pipelined
     * request's bytes stop it, so at most one read is held while paused (TCP backpressure, as before), and nothing is
     * parsed before {@link #resume}.
     */
    private boolean wantsBytes() {
        return switch (phase) {
            case PAUSED -> buffer == null || !buffer.isReadable();
            case FAILED -> false;
            default -> true;
        };
    }

    /**
     * Called by the exchange handler once the response to the current request is fully written: parse the next
     * buffered request, or read. May be called while this decoder is delivering the request's last message (a
     * response written synchronously); the resumption then runs when delivery returns, so pipelines never recurse.
     */
    public void resume() {
        if (phase == Phase.FAILED) {
            return; // the connection is closing
        }
        if (phase != Phase.PAUSED) {
            throw new IllegalStateException("phase: " + phase);
        }
        if (firing) {
            resumePending = true;
            return;
        }
        resumeNow();
    }

    /**
     * Closes after a final response without losing it: a close with unread input makes the kernel send RST, and the
     * client may then discard our 4xx before reading it (RFC 9112 §9.6). So: FIN our side, read and drop at most
     * {@link #LINGER_MAX_BYTES} for at most {@link #LINGER_NANOS}, then close — nginx's lingering_close.
     */
    public void closeGracefully() {
        if (phase == Phase.LINGER || !ctx.channel().isActive()) {
            return;
        }
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
        if (!(ctx.channel() instanceof DuplexChannel duplex)) {
            enter(Phase.FAILED);
            ctx.close();
            return;
        }
        lingerBytes = 0;
        enter(Phase.LINGER);
        duplex.shutdownOutput().addListener(f -> {
            if (!f.isSuccess()) {
                ctx.close();
            }
        });
        ctx.read();
    }

    private void resumeNow() {
        do {
            resumePending = false;
            framer.reset();
            boolean buffered = buffer != null && buffer.isReadable();
            enter(buffered ? Phase.HEAD : Phase.KEEPALIVE);
            if (buffered) {
                decodeBuffered();
            }
        } while (resumePending);
        if (phase != Phase.PAUSED && phase != Phase.FAILED) {
            ctx.read();
        }
    }

    private void decodeBuffered() {
        try {
            framer.decode(buffer, out);
            if (framer.state() == RequestFramer.State.DONE) {
                enter(Phase.PAUSED);
            } else if ((phase == Phase.HEAD || phase == Phase.FIRST_REQUEST)
                    && framer.state().compareTo(RequestFramer.State.HEADERS) > 0) {
                enter(Phase.BODY);
            }
        } catch (RejectedException e) {
            fail(e.reason());
        }
        releaseIfDrained();
        fireAll();
    }

    private void fireAll() {
        Object[] messages = out.toArray();
        out.clear();
        firing = true;
        try {
            for (Object m : messages) {
                ctx.fireChannelRead(m);
            }
        } finally {
            firing = false;
        }
    }

    private void fail(Reason reason) {
        enter(Phase.FAILED);
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
        out.add(new Rejected(reason));
    }

    private void releaseIfDrained() {
        if (buffer != null && !buffer.isReadable()) {
            buffer.release();
            buffer = null;
        } else if (buffer != null && buffer.refCnt() == 1) {
            buffer.discardSomeReadBytes();
        }
    }

    /**
     * Phases change several times per request; the timer is not moved each time. A pending timer that fires no later
     * than the new phase's deadline is kept ({@link #checkTimeout} re-arms it for what is left), so a busy keep-alive
     * connection schedules about one timer per header timeout rather than two per request.
     */
    private void enter(Phase next) {
        phase = next;
        phaseStartNanos = System.nanoTime();
        lastReadNanos = phaseStartNanos;
        markIdle(waitingIdle());
        long limit = limitNanos(next);
        if (limit <= 0) {
            return; // a pending timer finds nothing to do and is not re-armed
        }
        long deadline = phaseStartNanos + limit;
        if (timer != null && timerDeadlineNanos - deadline <= 0) {
            return;
        }
        cancelTimer();
        arm(deadline, limit);
    }

    private void arm(long deadlineNanos, long delayNanos) {
        timerDeadlineNanos = deadlineNanos;
        timer = ctx.executor().schedule(this::checkTimeout, delayNanos, TimeUnit.NANOSECONDS);
    }

    private long limitNanos(Phase p) {
        return switch (p) {
            case FIRST_REQUEST, HEAD -> timeouts.header().toNanos();
            case KEEPALIVE -> timeouts.keepAlive().toNanos();
            case BODY -> timeouts.body().toNanos();
            case LINGER -> LINGER_NANOS;
            case PAUSED, FAILED -> 0;
        };
    }

    private void checkTimeout() {
        timer = null;
        long since = phase == Phase.BODY ? lastReadNanos : phaseStartNanos;
        long now = System.nanoTime();
        long left = since + limitNanos(phase) - now;
        if (limitNanos(phase) == 0) {
            return;
        }
        if (left > 0) {
            arm(now + left, left);
            return;
        }
        if (phase == Phase.LINGER) {
            ctx.close();
            return;
        }
        boolean partial = phase == Phase.BODY || phase == Phase.HEAD
                || buffer != null && buffer.isReadable() || !framer.betweenRequests();
        if (!partial) {
            enter(Phase.FAILED);
            ctx.close();
            return;
        }
        fail(phase == Phase.BODY ? Reason.BODY_TIMEOUT : Reason.HEAD_TIMEOUT);
        fireAll();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private boolean waitingIdle() {
        return phase == Phase.KEEPALIVE || phase == Phase.FIRST_REQUEST && (buffer == null || !buffer.isReadable());
    }

    private void markIdle(boolean now) {
        if (now != idle) {
            idle = now;
            idleSinceNanos = now ? phaseStartNanos : NOT_IDLE;
        }
    }

    /**
     * Since when this connection has waited for a request with nothing of one received, as {@link System#nanoTime};
     * {@link #NOT_IDLE} while a request is being received or answered. Any thread may read it; it can be stale.
     */
    long idleSinceNanos() {
        return idleSinceNanos;
    }

    /**
     * Closes the connection now if it is waiting for a request with nothing of one buffered (on its event loop
     * only); a connection with a request under way is left alone. Returns whether it closed.
     */
    boolean closeIfIdle() {
        if (!waitingIdle() || !ctx.channel().isActive()) {
            return false;
        }
        enter(Phase.FAILED);
        ctx.close();
        return true;
    }

    /**
     * The shutdown drain ({@link Connections#drain()}): a connection waiting for a request, with nothing of one
     * buffered, is closed now; any other finishes its request first (its response then closes it).
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == Connections.Drain.STARTED && closeIfIdle()) {
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cleanup();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cleanup();
        ctx.fireChannelInactive();
    }

    private void cleanup() {
        cancelTimer();
        phase = Phase.FAILED;
        markIdle(false);
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
    }
}
