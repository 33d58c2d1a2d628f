package org.fcgate.gateway.poolserver;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.ByteBuffer;
import org.fcgate.fcgi.client.ClientResponseDecoder;
import org.fcgate.fcgi.client.ResponseListener;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.RecordType;

/**
 * The child's side of one relayed request (HexDumpProxy's backend handler): decodes what the leased child answers with
 * the client-role decoder (STDOUT, STDERR, END_REQUEST for the request's id, nothing else) and hands each record to
 * the {@link ConnectionRelay}, which re-encodes it for the web server. Reads one batch at a time: the next read waits
 * until the web server connection took the previous batch.
 */
final class ChildRelay extends ChannelInboundHandlerAdapter implements ResponseListener {

    private final ConnectionRelay relay;
    private final RelayedRequest request;
    private final ClientResponseDecoder decoder = new ClientResponseDecoder(FcgiLimits.DEFAULTS);

    ChildRelay(ConnectionRelay relay, RelayedRequest request) {
        this.relay = relay;
        this.request = request;
        decoder.register(request.id(), this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        relay.childBatchStarted();
        try {
            if (request.isFinished()) {
                return;
            }
            for (ByteBuffer b : buf.nioBuffers()) {
                decoder.feed(b);
                if (request.isFinished()) {
                    return; // END_REQUEST: whatever follows it is not forwarded
                }
            }
        } catch (FcgiProtocolException e) {
            relay.childFailed(request, "protocol error: " + e.getMessage());
            return;
        } finally {
            buf.release();
        }
        relay.childBatchDone(request, ctx.channel());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (request.isFinished()) {
            return;
        }
        try {
            decoder.endOfInput();
            relay.childFailed(request, "child closed the connection without END_REQUEST");
        } catch (FcgiProtocolException e) {
            relay.childFailed(request, "child closed the connection: " + e.getMessage());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        relay.childFailed(request, "I/O error: " + cause);
        ctx.close();
    }

    @Override
    public void onStdout(ByteBuffer chunk) {
        relay.fromChild(request, RecordType.STDOUT, chunk);
    }

    @Override
    public void onStdoutEnd() {
        relay.stdoutEnded(request);
    }

    @Override
    public void onStderr(ByteBuffer chunk) {
        relay.fromChild(request, RecordType.STDERR, chunk);
    }

    @Override
    public void onEnd(int appStatus, ProtocolStatus status) {
        relay.childEnded(request, appStatus, status);
    }
}
