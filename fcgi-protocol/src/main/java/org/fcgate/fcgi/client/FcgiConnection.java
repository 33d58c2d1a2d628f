package org.fcgate.fcgi.client;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.params.ParamsEncoder;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.RecordEncoder;
import org.fcgate.fcgi.protocol.RecordType;
import org.fcgate.fcgi.protocol.Role;

/**
 * A blocking FastCGI client connection for probes, tools and tests (the gateway uses the codec through Netty).
 *
 * <p>Every read and write waits at most {@link #timeout()}; past it an {@link InterruptedIOException} is thrown and the
 * connection should be closed. One exchange at a time; not thread-safe.
 */
public final class FcgiConnection implements Closeable {

    /**
     * What an application answered to one request.
     *
     * @param stdout         the whole STDOUT stream: CGI head and body
     * @param stderr         the whole STDERR stream
     * @param appStatus      END_REQUEST appStatus
     * @param protocolStatus END_REQUEST protocolStatus
     */
    public record Result(byte[] stdout, byte[] stderr, int appStatus, ProtocolStatus protocolStatus) {

        /** The CGI head at the start of {@link #stdout()}. */
        public ResponseHead head() throws FcgiProtocolException {
            ResponseHeadParser p = new ResponseHeadParser(FcgiLimits.DEFAULTS, 1);
            if (!p.feed(ByteBuffer.wrap(stdout), 0)) {
                throw new FcgiProtocolException(FcgiProtocolException.Reason.MALFORMED_RESPONSE_HEAD,
                        "premature end of script headers", 1, RecordType.STDOUT.code(), 0);
            }
            return p.head();
        }

        /** The bytes of {@link #stdout()} after the CGI head. */
        public byte[] body() throws FcgiProtocolException {
            ResponseHeadParser p = new ResponseHeadParser(FcgiLimits.DEFAULTS, 1);
            ByteBuffer b = ByteBuffer.wrap(stdout);
            if (!p.feed(b, 0)) {
                throw new FcgiProtocolException(FcgiProtocolException.Reason.MALFORMED_RESPONSE_HEAD,
                        "premature end of script headers", 1, RecordType.STDOUT.code(), 0);
            }
            byte[] body = new byte[b.remaining()];
            b.get(body);
            return body;
        }
    }

    private final SocketChannel channel;
    private final Selector selector;
    private final FcgiLimits limits;
    private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);
    private Duration timeout;
    private final ClientResponseDecoder decoder;

    private FcgiConnection(SocketChannel channel, FcgiLimits limits, Duration timeout) throws IOException {
        this.channel = channel;
        this.limits = limits;
        this.timeout = timeout;
        channel.configureBlocking(false);
        this.selector = Selector.open();
        this.decoder = new ClientResponseDecoder(limits);
    }

    /**
     * Connects to {@code address} ({@link UnixDomainSocketAddress} or {@link InetSocketAddress}) within
     * {@code timeout}, which also bounds every later read and write.
     */
    public static FcgiConnection open(SocketAddress address, Duration timeout) throws IOException {
        return open(address, timeout, FcgiLimits.DEFAULTS);
    }

    public static FcgiConnection open(SocketAddress address, Duration timeout, FcgiLimits limits) throws IOException {
        SocketChannel ch = address instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX)
                : SocketChannel.open();
        try {
            ch.configureBlocking(false);
            FcgiConnection c = new FcgiConnection(ch, limits, timeout);
            if (!ch.connect(address)) {
                c.await(SelectionKey.OP_CONNECT, "connect to " + address);
                ch.finishConnect();
            }
            return c;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public Duration timeout() {
        return timeout;
    }

    public void timeout(Duration timeout) {
        this.timeout = timeout;
    }

    /** Sends FCGI_GET_VALUES for {@code names} and returns the application's GET_VALUES_RESULT (§4.1). */
    public Map<String, String> getValues(Set<String> names) throws IOException {
        Params.Builder query = Params.builder();
        for (String n : names) {
            query.add(n, "");
        }
        Params q = query.build();
        ByteBuffer out = ByteBuffer.allocate(RecordEncoder.recordSize((int) ParamsEncoder.contentSize(q.pairs())));
        ParamsEncoder.writePairRecords(out, RecordType.GET_VALUES, Fcgi.NULL_REQUEST_ID, q.pairs());
        Map<String, String> result = new LinkedHashMap<>();
        boolean[] answered = new boolean[1];
        decoder.expectManagement(new ClientResponseDecoder.ManagementListener() {
            @Override
            public void onGetValuesResult(Params values) {
                result.putAll(values.toMap());
                answered[0] = true;
            }

            @Override
            public void onUnknownType(int type) {
                answered[0] = true;
            }
        });
        writeFully(out.flip());
        while (!answered[0]) {
            readSome();
        }
        return result;
    }

    /** Runs one RESPONDER request with id 1 and KEEP_CONN, sending {@code body} as STDIN. */
    public Result execute(Params params, byte[] body) throws IOException {
        return execute(1, Role.RESPONDER, true, params, body);
    }

    /** Runs one request and reads its whole response. */
    public Result execute(int requestId, Role role, boolean keepConn, Params params, byte[] body)
            throws IOException {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Result[] done = new Result[1];
        decoder.register(requestId, new ResponseListener() {
            @Override
            public void onStdout(ByteBuffer chunk) {
                append(stdout, chunk);
            }

            @Override
            public void onStderr(ByteBuffer chunk) {
                append(stderr, chunk);
            }

            @Override
            public void onEnd(int appStatus, ProtocolStatus status) {
                done[0] = new Result(stdout.toByteArray(), stderr.toByteArray(), appStatus, status);
            }
        });
        writeFully(ClientRequestEncoder.encode(requestId, role, keepConn, params, ByteBuffer.wrap(body)));
        while (done[0] == null) {
            readSome();
        }
        decoder.forget(requestId);
        return done[0];
    }

    /** Writes raw bytes: for tests that send what no encoder would. */
    public void writeRaw(ByteBuffer bytes) throws IOException {
        writeFully(bytes);
    }

    /** Sends FCGI_ABORT_REQUEST for a request sent with {@link #writeRaw}. */
    public void abort(int requestId) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Fcgi.HEADER_LEN);
        RecordEncoder.abortRequest(b, requestId);
        writeFully(b.flip());
    }

    /** The decoder that reads this connection, for tests that drive it with {@link #writeRaw} and {@link #readSome}. */
    public ClientResponseDecoder decoder() {
        return decoder;
    }

    /** Reads what is available (waiting up to the timeout for something) and feeds it to the decoder. */
    public void readSome() throws IOException {
        readBuffer.clear();
        int n = channel.read(readBuffer);
        if (n == 0) {
            await(SelectionKey.OP_READ, "read");
            n = channel.read(readBuffer);
        }
        if (n < 0) {
            decoder.endOfInput();
            throw new EOFException("application closed the connection");
        }
        decoder.feed(readBuffer.flip());
    }

    private void writeFully(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            if (channel.write(src) == 0) {
                await(SelectionKey.OP_WRITE, "write");
            }
        }
    }

    private void await(int op, String what) throws IOException {
        SelectionKey key = channel.register(selector, op);
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new InterruptedIOException(what + " timed out after " + timeout.toMillis() + " ms");
                }
                if (selector.select(left) > 0) {
                    selector.selectedKeys().clear();
                    return;
                }
            }
        } finally {
            key.interestOps(0);
        }
    }

    private static void append(ByteArrayOutputStream out, ByteBuffer chunk) {
        if (chunk.hasArray()) {
            out.write(chunk.array(), chunk.arrayOffset() + chunk.position(), chunk.remaining());
        } else {
            byte[] b = new byte[chunk.remaining()];
            chunk.get(b);
            out.write(b, 0, b.length);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }
}
