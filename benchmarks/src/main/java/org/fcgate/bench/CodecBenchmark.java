package org.fcgate.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.fcgate.fcgi.app.ApplicationRequestDecoder;
import org.fcgate.fcgi.app.RequestListener;
import org.fcgate.fcgi.client.ClientRequestEncoder;
import org.fcgate.fcgi.client.ClientResponseDecoder;
import org.fcgate.fcgi.client.ResponseHeadParser;
import org.fcgate.fcgi.client.ResponseListener;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.RecordEncoder;
import org.fcgate.fcgi.protocol.RecordType;
import org.fcgate.fcgi.protocol.Role;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Encode and decode of a typical request (30 CGI params as nginx sends them, 4 KiB body) and response (a PHP-like CGI
 * head and a 64 KiB body), each on a reused connection: buffers and decoders live across operations, as on a
 * keep-alive connection, so the figures are the per-request cost.
 *
 * <p>The time unit is microseconds, so the {@code wireBytes} secondary result (bytes of FastCGI records encoded or
 * decoded, counted per operation) reads directly as bytes/µs = MB/s (10^6 bytes per second).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CodecBenchmark {

    static final int REQUEST_ID = 1;
    static final int REQUEST_BODY_BYTES = 4 * 1024;
    static final int RESPONSE_BODY_BYTES = 64 * 1024;

    /** Bytes of FastCGI records processed; reported as a rate, i.e. MB/s with microsecond units. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Wire {
        public long wireBytes;

        @Setup(Level.Iteration)
        public void reset() {
            wireBytes = 0;
        }
    }

    private Params params;
    private ByteBuffer requestBody;
    private ByteBuffer requestOut;
    private ByteBuffer requestIn;
    private ApplicationRequestDecoder requestDecoder;
    private BlackholeRequestListener requestListener;

    private ByteBuffer responseStdout;
    private ByteBuffer responseOut;
    private ByteBuffer responseIn;
    private ClientResponseDecoder responseDecoder;
    private BlackholeResponseListener responseListener;

    @Setup
    public void setup(Blackhole bh) {
        params = TypicalExchange.params();
        requestBody = ByteBuffer.wrap(TypicalExchange.formBody(REQUEST_BODY_BYTES));
        requestOut = ByteBuffer.allocate(ClientRequestEncoder.headSize(params)
                + (int) RecordEncoder.streamSize(REQUEST_BODY_BYTES) + RecordEncoder.recordSize(0));
        requestIn = ByteBuffer.wrap(Arrays.copyOf(requestOut.array(), encodeRequest()));
        requestListener = new BlackholeRequestListener(bh);
        requestDecoder = new ApplicationRequestDecoder(FcgiLimits.DEFAULTS, requestListener);
        requestListener.decoder = requestDecoder;

        byte[] head = TypicalExchange.responseHead().getBytes(StandardCharsets.ISO_8859_1);
        byte[] stdout = Arrays.copyOf(head, head.length + RESPONSE_BODY_BYTES);
        Arrays.fill(stdout, head.length, stdout.length, (byte) 'x');
        responseStdout = ByteBuffer.wrap(stdout);
        responseOut = ByteBuffer.allocate((int) RecordEncoder.streamSize(stdout.length)
                + RecordEncoder.recordSize(0) + RecordEncoder.recordSize(8));
        responseIn = ByteBuffer.wrap(Arrays.copyOf(responseOut.array(), encodeResponse()));
        responseDecoder = new ClientResponseDecoder(FcgiLimits.DEFAULTS);
        responseListener = new BlackholeResponseListener(bh);
    }

    /** BEGIN_REQUEST, PARAMS records and their end, STDIN records and their end, into a reused buffer. */
    @Benchmark
    public int requestEncode(Wire wire) {
        int n = encodeRequest();
        wire.wireBytes += n;
        return n;
    }

    /** The application side reads that request and completes it, ready for the next on the same connection. */
    @Benchmark
    public void requestDecode(Wire wire) throws FcgiProtocolException {
        requestIn.clear();
        requestDecoder.feed(requestIn);
        wire.wireBytes += requestIn.capacity();
    }

    /** STDOUT records (head and body), the empty STDOUT record and END_REQUEST, into a reused buffer. */
    @Benchmark
    public int responseEncode(Wire wire) {
        int n = encodeResponse();
        wire.wireBytes += n;
        return n;
    }

    /** The client side reads that response; the CGI head is parsed, body chunks go to the blackhole. */
    @Benchmark
    public void responseDecode(Wire wire) throws FcgiProtocolException {
        responseListener.head = new ResponseHeadParser(FcgiLimits.DEFAULTS, REQUEST_ID);
        responseDecoder.register(REQUEST_ID, responseListener);
        responseIn.clear();
        responseDecoder.feed(responseIn);
        wire.wireBytes += responseIn.capacity();
    }

    private int encodeRequest() {
        requestOut.clear();
        requestBody.clear();
        ClientRequestEncoder.writeHead(requestOut, REQUEST_ID, Role.RESPONDER, true, params);
        ClientRequestEncoder.writeStdin(requestOut, REQUEST_ID, requestBody);
        ClientRequestEncoder.writeStdinEnd(requestOut, REQUEST_ID);
        return requestOut.position();
    }

    private int encodeResponse() {
        responseOut.clear();
        responseStdout.clear();
        RecordEncoder.stream(responseOut, RecordType.STDOUT, REQUEST_ID, responseStdout);
        RecordEncoder.endOfStream(responseOut, RecordType.STDOUT, REQUEST_ID);
        RecordEncoder.endRequest(responseOut, REQUEST_ID, 0, ProtocolStatus.REQUEST_COMPLETE);
        return responseOut.position();
    }

    /** An application that takes the params and body and completes the request when the body ends. */
    static final class BlackholeRequestListener implements RequestListener {
        private final Blackhole bh;
        ApplicationRequestDecoder decoder;

        BlackholeRequestListener(Blackhole bh) {
            this.bh = bh;
        }

        @Override
        public void onBeginRequest(int requestId, Role role, int roleCode, boolean keepConn) {
            bh.consume(role);
        }

        @Override
        public void onParams(int requestId, Params p) {
            bh.consume(p);
        }

        @Override
        public void onStdin(int requestId, ByteBuffer chunk) {
            bh.consume(chunk.get(chunk.limit() - 1));
        }

        @Override
        public void onStdinEnd(int requestId) {
            decoder.complete(requestId);
        }

        @Override
        public void onAbort(int requestId) {
            throw new IllegalStateException("no abort in this benchmark");
        }

        @Override
        public void onGetValues(Params query) {
            throw new IllegalStateException("no GET_VALUES in this benchmark");
        }

        @Override
        public void onUnknownManagementRecord(int type) {
            throw new IllegalStateException("no management records in this benchmark");
        }
    }

    /** A gateway that parses the CGI head, then passes body chunks on. */
    static final class BlackholeResponseListener implements ResponseListener {
        private final Blackhole bh;
        ResponseHeadParser head;

        BlackholeResponseListener(Blackhole bh) {
            this.bh = bh;
        }

        @Override
        public void onStdout(ByteBuffer chunk) throws FcgiProtocolException {
            if (!head.isDone()) {
                if (!head.feed(chunk, 0)) {
                    return;
                }
                bh.consume(head.head());
            }
            if (chunk.hasRemaining()) {
                bh.consume(chunk.get(chunk.limit() - 1));
            }
        }

        @Override
        public void onStderr(ByteBuffer chunk) {
            bh.consume(chunk);
        }

        @Override
        public void onEnd(int appStatus, ProtocolStatus status) {
            bh.consume(appStatus);
            bh.consume(status);
        }
    }
}
