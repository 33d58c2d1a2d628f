package org.fcgate.pool.spawn;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * Readiness by FCGI_GET_VALUES (FastCGI 1.0 §4.1): a management record with request id 0 asking for
 * {@code FCGI_MPXS_CONNS}; the child is ready when an FCGI_GET_VALUES_RESULT comes back. For an fd0 child the
 * socket accepts connections before the program runs (the kernel queues them), so only an answer proves
 * the child is serving.
 *
 * <p>The two records are built here rather than through the protocol module's client so a probe needs no
 * request machinery; the probe is cancelled by closing the channel from another thread (see
 * {@link ProcessLauncher}).
 */
public final class GetValuesProbe implements ReadinessProbe {
    private static final int FCGI_VERSION_1 = 1;
    private static final int FCGI_GET_VALUES = 9;
    private static final int FCGI_GET_VALUES_RESULT = 10;
    private static final byte[] NAME = "FCGI_MPXS_CONNS".getBytes(StandardCharsets.US_ASCII);

    private final java.util.function.Consumer<SocketChannel> onOpen;

    /** @param onOpen told about each channel so a watchdog can close it at the spawn deadline */
    public GetValuesProbe(java.util.function.Consumer<SocketChannel> onOpen) {
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
            ByteBuffer header = ByteBuffer.allocate(8);
            readFully(ch, header);
            int version = header.get(0) & 0xff;
            int type = header.get(1) & 0xff;
            int length = header.getShort(4) & 0xffff;
            int padding = header.get(6) & 0xff;
            if (version != FCGI_VERSION_1 || type != FCGI_GET_VALUES_RESULT) {
                throw new ProtocolException("expected FCGI_GET_VALUES_RESULT, got version " + version + " type "
                        + type);
            }
            readFully(ch, ByteBuffer.allocate(length + padding));
        }
    }

    static ByteBuffer request() {
        int contentLength = 2 + NAME.length;           // nameLength, valueLength (1 byte each), name
        int padding = (8 - contentLength % 8) % 8;
        ByteBuffer b = ByteBuffer.allocate(8 + contentLength + padding);
        b.put((byte) FCGI_VERSION_1);
        b.put((byte) FCGI_GET_VALUES);
        b.putShort((short) 0);                          // requestId 0: management record (§3.3)
        b.putShort((short) contentLength);
        b.put((byte) padding);
        b.put((byte) 0);                                // reserved
        b.put((byte) NAME.length);
        b.put((byte) 0);                                // empty value in a query (§4.1)
        b.put(NAME);
        b.position(b.limit());
        return b.flip();
    }

    private static void readFully(SocketChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new EOFException("child closed the connection during the readiness probe");
            }
        }
    }
}
