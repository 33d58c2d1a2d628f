package org.fcgate.gateway.fastcgi;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.fcgate.fcgi.client.ClientResponseDecoder;
import org.fcgate.fcgi.protocol.FcgiLimits;

/**
 * The only handler of a backend connection's pipeline: hands bytes and events to the exchange that holds the
 * connection. The channel runs with {@code AUTO_READ=false}; the exchange asks for more when it wants it. A
 * connection kept idle for reuse has no exchange: any byte or close then ends it (php-fpm closing it is normal).
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {

    /** What a connection's holder hears. */
    interface Events {
        void backendRead(ByteBuf data);

        void backendReadComplete();

        void backendInactive();

        void backendException(Throwable cause);
    }

    private final ClientResponseDecoder decoder;
    private Events events;
    private Runnable whenIdleLost;
    /** True while a read is handed to the holder: see {@link #afterRead}. */
    private boolean reading;
    private Runnable afterRead;

    BackendHandler(FcgiLimits limits) {
        this.decoder = new ClientResponseDecoder(limits);
    }

    ClientResponseDecoder decoder() {
        return decoder;
    }

    void attach(Events e) {
        this.events = e;
        this.whenIdleLost = null;
    }

    /** Who hears the connection now, or null while it is kept idle. */
    Events holder() {
        return events;
    }

    /** Kept idle: {@code lost} runs if the connection closes or speaks before it is used again. */
    void detach(Runnable lost) {
        this.events = null;
        this.whenIdleLost = lost;
    }

    /** True while a read is handed to the holder (on the channel's loop). */
    boolean isReading() {
        return reading;
    }

    /**
     * On the channel's loop: runs {@code step} as soon as the read being handled is done, before the loop turns to
     * other channels and tasks; false (nothing done) when no read is being handled. The next request for a child freed
     * by the END_REQUEST in this read then goes out in the same turn (FastCGI 1.0 §5.1 keeps the connection), after
     * every byte of the read was parsed, so nothing of it is mistaken for the next request's.
     */
    boolean runAfterRead(Runnable step) {
        if (!reading || afterRead != null) {
            return false;
        }
        afterRead = step;
        return true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf data = (ByteBuf) msg;
        if (events == null) {
            data.release();
            idleLost(ctx);
            return;
        }
        reading = true;
        boolean parsed = false;
        try {
            events.backendRead(data);
            parsed = true;
        } finally {
            reading = false;
            Runnable next = afterRead;
            afterRead = null;
            if (next == null) {
                // nothing handed over in this read
            } else if (parsed) {
                next.run();
            } else {
                // The read threw: its exception goes to the holder that ended (exceptionCaught, next), never to
                // the request the step hands the connection to, which then gets it in a task of its own.
                ctx.executor().execute(next);
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (events != null) {
            events.backendReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (events != null) {
            events.backendInactive();
        } else {
            idleLost(ctx);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (events != null) {
            events.backendException(cause);
        } else {
            idleLost(ctx);
        }
    }

    private void idleLost(ChannelHandlerContext ctx) {
        Runnable lost = whenIdleLost;
        whenIdleLost = null;
        ctx.close();
        if (lost != null) {
            lost.run();
        }
    }
}
