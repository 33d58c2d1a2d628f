package org.fcgate.pool.spawn;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.function.Consumer;
import org.fcgate.fcgi.client.ClientResponseDecoder;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.params.ParamsEncoder;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.RecordEncoder;
import org.fcgate.fcgi.protocol.RecordType;

/**
 * Readiness by FCGI_GET_VALUES (FastCGI 1.0 §4.1): a management record with request id 0 asking for
 * {@code FCGI_MPXS_CONNS}; the child is ready when an FCGI_GET_VALUES_RESULT (or UNKNOWN_TYPE, which also proves a
 * FastCGI application is reading) comes back. For an fd0 child the socket accepts connections before the program
 * runs (the kernel queues them), so only an answer proves the child is serving.
 *
 * <p>Blocking I/O on a plain channel, encoded and decoded by the protocol module's codec; the probe is cancelled by
 * closing the channel from another thread (see {@link ProcessLauncher}).
 */
public final class GetValuesProbe implements ReadinessProbe {
    private static final List<Params.Pair> QUERY = Params.builder().add(Fcgi.MPXS_CONNS, "").build().pairs();

    private final Consumer<SocketChannel> onOpen;

    /** @param onOpen told about each channel so a watchdog can close it at the spawn deadline */
    public GetValuesProbe(Consumer<SocketChannel> onOpen) {
        this.onOpen = onOpen;
    }

    @Override
    public void probe(SocketAddress address) throws IOException {
        SocketChannel ch = address instanceof InetSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.INET)
                : SocketChannel.open(StandardProtocolFamily.UNIX);
        try (ch) {
            onOpen.accept(ch);
            ch.connect(address);
            ch.write(request());
            boolean[] answered = new boolean[1];
            ClientResponseDecoder decoder = new ClientResponseDecoder(FcgiLimits.DEFAULTS);
            decoder.expectManagement(new ClientResponseDecoder.ManagementListener() {
                @Override
                public void onGetValuesResult(Params values) {
                    answered[0] = true;
                }

                @Override
                public void onUnknownType(int type) {
                    answered[0] = true;
                }
            });
            ByteBuffer buf = ByteBuffer.allocate(512);
            while (!answered[0]) {
                buf.clear();
                if (ch.read(buf) < 0) {
                    throw new EOFException("child closed the connection during the readiness probe");
                }
                decoder.feed(buf.flip());
            }
        }
    }

    static ByteBuffer request() {
        ByteBuffer b = ByteBuffer.allocate(RecordEncoder.recordSize((int) ParamsEncoder.contentSize(QUERY)));
        ParamsEncoder.writePairRecords(b, RecordType.GET_VALUES, Fcgi.NULL_REQUEST_ID, QUERY);
        return b.flip();
    }
}
