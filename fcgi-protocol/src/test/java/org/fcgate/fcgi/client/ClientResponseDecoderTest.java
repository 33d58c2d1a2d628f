package org.fcgate.fcgi.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.testing.ClientHarness;
import org.fcgate.fcgi.testing.Splits;
import org.fcgate.fcgi.testing.SpecVectors;
import org.fcgate.fcgi.testing.Transcript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Client role, strict: what an application may send back, per request id, and one typed failure for the rest. */
class ClientResponseDecoderTest {

    private static final byte[] END = SpecVectors.endRequestComplete();

    /** Decodes {@code input} for request 1, whole and split at every offset; returns the events. */
    private static List<String> decode(ClientHarness harness, byte[] input) {
        return Splits.assertSplitInvariant(input, harness::run).events();
    }

    private static List<String> decode(byte[] input) {
        return decode(new ClientHarness().register(1).endOfInput(), input);
    }

    /** A record of request 1 written by hand: header fields as given, then content. */
    private static byte[] record(int version, int type, int requestId, int padding, byte[] content) {
        byte[] b = new byte[8 + content.length + padding];
        b[0] = (byte) version;
        b[1] = (byte) type;
        b[2] = (byte) (requestId >> 8);
        b[3] = (byte) requestId;
        b[4] = (byte) (content.length >> 8);
        b[5] = (byte) content.length;
        b[6] = (byte) padding;
        System.arraycopy(content, 0, b, 8, content.length);
        return b;
    }

    private static byte[] stdout(int requestId, String text) {
        return record(1, 6, requestId, 0, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void responseStory() {
        assertThat(decode(SpecVectors.responseStory())).containsExactly(
                "STDOUT 1 \"Status: 404 Not Found\\x0d\\x0aContent-Type: text/plain\\x0d\\x0a\\x0d\\x0anope\"",
                "STDERR 1 \"oops\\x0a\"",
                "STDOUT_END 1",
                "END 1 appStatus=0x0 REQUEST_COMPLETE",
                "EOF");
    }

    static Stream<Arguments> endRequests() {
        return Stream.of(
                Arguments.of(SpecVectors.endRequestComplete(), "END 1 appStatus=0x0 REQUEST_COMPLETE"),
                Arguments.of(SpecVectors.endRequestCantMpxConn(), "END 1 appStatus=0x1020304 CANT_MPX_CONN"),
                Arguments.of(SpecVectors.endRequestOverloadedHighBit(), "END 1 appStatus=0x80000001 OVERLOADED"),
                Arguments.of(SpecVectors.endRequestUnknownRole(), "END 1 appStatus=0xff UNKNOWN_ROLE"));
    }

    /** R38 (a), (c): END_REQUEST alone, each protocolStatus, decodes; the gateway maps it to 502/503 later. */
    @ParameterizedTest(name = "{1}")
    @MethodSource("endRequests")
    void R38_endRequestWithEachProtocolStatus(byte[] vector, String expected) {
        assertThat(decode(vector)).containsExactly(expected, "EOF");
    }

    @Test
    void endRequestAlsoEndsAStdoutThatWasNeverClosed() {
        assertThat(decode(SpecVectors.concat(stdout(1, "X: y\r\n\r\nbody"), END))).containsExactly(
                "STDOUT 1 \"X: y\\x0d\\x0a\\x0d\\x0abody\"", "END 1 appStatus=0x0 REQUEST_COMPLETE", "EOF");
    }

    @Test
    void getValuesResultAnswersAnOutstandingQuery() {
        assertThat(decode(new ClientHarness().expectManagement().endOfInput(), SpecVectors.getValuesResult()))
                .containsExactly("GET_VALUES_RESULT [FCGI_MAX_CONNS=10, FCGI_MAX_REQS=50, FCGI_MPXS_CONNS=0]",
                        "EOF");
    }

    @Test
    void unknownTypeAnswersAnOutstandingManagementRecord() {
        assertThat(decode(new ClientHarness().expectManagement().endOfInput(), SpecVectors.unknownType12()))
                .containsExactly("UNKNOWN_TYPE 12", "EOF");
    }

    @Test
    void multiplexedRequestsKeepTheirOwnStreams() {
        byte[] end2 = SpecVectors.endRequestComplete();
        end2[3] = 0x02; // requestIdB0: request id 2
        byte[] input = SpecVectors.concat(stdout(1, "a"), stdout(2, "b"), stdout(1, "c"), end2, END);
        assertThat(decode(new ClientHarness().register(1).register(2).endOfInput(), input)).containsExactly(
                "STDOUT 1 \"a\"", "STDOUT 2 \"b\"", "STDOUT 1 \"c\"",
                "END 2 appStatus=0x0 REQUEST_COMPLETE", "END 1 appStatus=0x0 REQUEST_COMPLETE", "EOF");
    }

    @Test
    void ridCanBeRegisteredAgainAfterItsEnd() throws FcgiProtocolException {
        ClientResponseDecoder d = new ClientResponseDecoder(FcgiLimits.DEFAULTS);
        int[] ends = new int[1];
        ResponseListener l = new ResponseListener() {
            @Override
            public void onStdout(ByteBuffer chunk) {
            }

            @Override
            public void onStderr(ByteBuffer chunk) {
            }

            @Override
            public void onEnd(int appStatus, ProtocolStatus status) {
                ends[0]++;
            }
        };
        d.register(1, l);
        assertThatThrownBy(() -> d.register(1, l)).isInstanceOf(IllegalStateException.class);
        assertThat(d.activeRequests()).isEqualTo(1);
        d.feed(ByteBuffer.wrap(END));
        assertThat(d.activeRequests()).isZero();
        d.register(1, l);
        assertThat(d.activeRequests()).isEqualTo(1);
        d.feed(ByteBuffer.wrap(END));
        assertThat(ends[0]).isEqualTo(2);
        assertThatThrownBy(() -> d.register(0, l)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.register(65536, l)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- one typed failure each: reason, request id, record type, offset ----------------------------------------

    static Stream<Arguments> failures() {
        byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
        byte[] end2 = record(1, 3, 2, 0, new byte[8]);
        byte[] end0 = record(1, 3, 0, 0, new byte[8]);
        byte[] endStatus4 = SpecVectors.endRequestComplete();
        endStatus4[12] = 0x04; // protocolStatus 4: not defined by FastCGI 1.0
        return Stream.of(
                Arguments.of("R34 version 2", SpecVectors.concat(record(2, 6, 1, 0, hello), END),
                        "FAIL UNSUPPORTED_VERSION id=-1 type=-1 offset=0"),
                Arguments.of("R34 version 72: the backend speaks HTTP",
                        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                        "FAIL UNSUPPORTED_VERSION id=-1 type=-1 offset=0"),
                Arguments.of("R34 version 2 after a good record",
                        SpecVectors.concat(stdout(1, "ok"), record(2, 6, 1, 0, hello)),
                        "FAIL UNSUPPORTED_VERSION id=-1 type=-1 offset=10"),
                Arguments.of("R35 record type 0x7F", SpecVectors.concat(record(1, 0x7F, 1, 0, hello), END),
                        "FAIL UNEXPECTED_RECORD_TYPE id=1 type=127 offset=0"),
                Arguments.of("R35 BEGIN_REQUEST sent to a client",
                        SpecVectors.concat(stdout(1, "x"), SpecVectors.beginResponderKeepConn()),
                        "FAIL UNEXPECTED_RECORD_TYPE id=1 type=1 offset=9"),
                Arguments.of("R35 unsolicited GET_VALUES_RESULT", SpecVectors.getValuesResult(),
                        "FAIL UNEXPECTED_RECORD_TYPE id=0 type=10 offset=0"),
                Arguments.of("unsolicited UNKNOWN_TYPE", SpecVectors.unknownType12(),
                        "FAIL UNEXPECTED_RECORD_TYPE id=0 type=11 offset=0"),
                Arguments.of("R37 STDOUT and END_REQUEST for id 2", SpecVectors.concat(stdout(2, "x"), end2),
                        "FAIL UNEXPECTED_REQUEST_ID id=2 type=6 offset=0"),
                Arguments.of("R37 END_REQUEST for id 0", SpecVectors.concat(stdout(1, "x"), end0),
                        "FAIL UNEXPECTED_REQUEST_ID id=0 type=3 offset=9"),
                Arguments.of("R38 END_REQUEST body of 0 bytes", record(1, 3, 1, 0, new byte[0]),
                        "FAIL BAD_RECORD_BODY id=1 type=3 offset=0"),
                Arguments.of("R38 END_REQUEST body of 9 bytes", SpecVectors.concat(stdout(1, "x"),
                        record(1, 3, 1, 7, new byte[9])), "FAIL BAD_RECORD_BODY id=1 type=3 offset=9"),
                Arguments.of("END_REQUEST with undefined protocolStatus 4", SpecVectors.concat(stdout(1, "x"),
                        endStatus4), "FAIL BAD_RECORD_BODY id=1 type=3 offset=9"),
                Arguments.of("STDOUT after END_REQUEST", SpecVectors.concat(END, stdout(1, "late")),
                        "FAIL RECORD_AFTER_END id=1 type=6 offset=16"),
                Arguments.of("STDOUT after the empty STDOUT record", SpecVectors.concat(stdout(1, "x"),
                        SpecVectors.emptyStreamRecord(6), stdout(1, "more")),
                        "FAIL RECORD_AFTER_STREAM_END id=1 type=6 offset=17"),
                Arguments.of("STDERR after the empty STDERR record", SpecVectors.concat(
                        SpecVectors.emptyStreamRecord(7), record(1, 7, 1, 0, hello)),
                        "FAIL RECORD_AFTER_STREAM_END id=1 type=7 offset=8"),
                Arguments.of("UNKNOWN_TYPE with a 7-byte body", record(1, 11, 0, 1, new byte[7]),
                        "FAIL BAD_RECORD_BODY id=0 type=11 offset=0"),
                Arguments.of("truncated inside a header", Arrays.copyOf(END, 5),
                        "FAIL TRUNCATED id=-1 type=-1 offset=5"),
                Arguments.of("truncated inside content", Arrays.copyOf(SpecVectors.responseStory(), 30),
                        "FAIL TRUNCATED id=1 type=6 offset=30"),
                Arguments.of("truncated inside padding", Arrays.copyOf(SpecVectors.responseStory(), 63),
                        "FAIL TRUNCATED id=1 type=6 offset=63"),
                Arguments.of("truncated before END_REQUEST", Arrays.copyOf(SpecVectors.responseStory(), 96),
                        "FAIL TRUNCATED id=1 type=-1 offset=96"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void oneTypedFailureThenTerminal(String name, byte[] input, String failure) {
        ClientHarness harness = new ClientHarness().register(1).endOfInput();
        if (name.contains("UNKNOWN_TYPE with")) {
            harness.expectManagement();
        }
        List<String> events = decode(harness, input);
        assertThat(events).as(name).endsWith(failure, "TERMINAL");
    }

    /** R37, named as the issue asks: a response for a request id that was never sent is refused. */
    @Test
    void R37_responseForUnknownRequestIdIsRejected() {
        byte[] end2 = record(1, 3, 2, 0, new byte[8]);
        assertThat(decode(SpecVectors.concat(stdout(2, "Status: 200\r\n\r\nsecret"), end2)))
                .containsExactly("FAIL UNEXPECTED_REQUEST_ID id=2 type=6 offset=0", "TERMINAL");
    }

    @Test
    void R37_recordsForAForgottenRequestIdAreUnexpected() throws FcgiProtocolException {
        ClientResponseDecoder d = new ClientResponseDecoder(FcgiLimits.DEFAULTS);
        d.register(1, new ResponseListener() {
            @Override
            public void onStdout(ByteBuffer chunk) {
            }

            @Override
            public void onStderr(ByteBuffer chunk) {
            }

            @Override
            public void onEnd(int appStatus, ProtocolStatus status) {
            }
        });
        d.forget(1);
        assertThat(d.activeRequests()).isZero();
        assertThatThrownBy(() -> d.feed(ByteBuffer.wrap(stdout(1, "x"))))
                .isInstanceOfSatisfying(FcgiProtocolException.class, e ->
                        assertThat(e.reason()).isEqualTo(FcgiProtocolException.Reason.UNEXPECTED_REQUEST_ID));
    }

    @Test
    void R35_typeIsNamedInTheMessage() {
        ClientResponseDecoder d = new ClientResponseDecoder(FcgiLimits.DEFAULTS);
        assertThatThrownBy(() -> d.feed(ByteBuffer.wrap(record(1, 0x7F, 1, 0, new byte[0]))))
                .hasMessageContaining("invalid FastCGI record type 127");
    }

    @ParameterizedTest(name = "maxParamsBytes {0}")
    @CsvSource({"53, true", "52, false"})
    void getValuesResultIsBoundedByTheParamsLimit(int limit, boolean accepted) {
        List<String> events = decode(new ClientHarness().limits(FcgiLimits.DEFAULTS.withMaxParamsBytes(limit))
                .expectManagement().endOfInput(), SpecVectors.getValuesResult());
        if (accepted) {
            assertThat(events).hasSize(2).last().isEqualTo("EOF");
        } else {
            assertThat(events).containsExactly("FAIL PARAMS_TOO_LARGE id=0 type=10 offset=0", "TERMINAL");
        }
    }

    @Test
    void stdoutBytesArriveIntact() {
        Transcript t = new ClientHarness().register(1).keepBytes().run(Splits.whole(SpecVectors.responseStory()));
        assertThat(new String(t.bytes("STDOUT 1"), StandardCharsets.US_ASCII)).isEqualTo(SpecVectors.STORY_STDOUT);
    }

    /** R41: two million one-byte STDOUT records with 100,000 STDERR records interleaved arrive intact. */
    @Test
    void R41_manyTinyRecordsArriveIntact() throws FcgiProtocolException {
        int stdoutRecords = 2_000_000;
        ByteBuffer wire = ByteBuffer.allocate(16 * (stdoutRecords + stdoutRecords / 20) + 16);
        java.util.zip.CRC32 sent = new java.util.zip.CRC32();
        for (int i = 0; i < stdoutRecords; i++) {
            byte b = (byte) (i * 31);
            wire.put(record(1, 6, 1, 7, new byte[] {b}));
            sent.update(b);
            if (i % 20 == 0) {
                wire.put(record(1, 7, 1, 7, new byte[] {'e'}));
            }
        }
        wire.put(END).flip();
        java.util.zip.CRC32 received = new java.util.zip.CRC32();
        long[] counts = new long[3];
        ClientResponseDecoder d = new ClientResponseDecoder(FcgiLimits.DEFAULTS);
        d.register(1, new ResponseListener() {
            @Override
            public void onStdout(ByteBuffer chunk) {
                counts[0] += chunk.remaining();
                received.update(chunk);
            }

            @Override
            public void onStderr(ByteBuffer chunk) {
                counts[1] += chunk.remaining();
            }

            @Override
            public void onEnd(int appStatus, ProtocolStatus status) {
                counts[2]++;
            }
        });
        while (wire.hasRemaining()) { // reads of 64 KiB, as from a socket
            ByteBuffer read = wire.slice();
            read.limit(Math.min(read.remaining(), 65536));
            d.feed(read);
            wire.position(wire.position() + read.position());
        }
        d.endOfInput();
        assertThat(counts).containsExactly(stdoutRecords, stdoutRecords / 20, 1);
        assertThat(received.getValue()).isEqualTo(sent.getValue());
    }
    private static final ResponseListener IGNORE = new ResponseListener() {
        @Override
        public void onStdout(ByteBuffer chunk) {
        }

        @Override
        public void onStderr(ByteBuffer chunk) {
        }

        @Override
        public void onEnd(int appStatus, ProtocolStatus status) {
        }
    };

    /** What FCGI_KEEP_CONN reuse checks before a connection carries another request. */
    @Test
    void idleOnlyBetweenRequestsAtARecordBoundary() throws Exception {
        ClientResponseDecoder d = new ClientResponseDecoder(FcgiLimits.DEFAULTS);
        assertThat(d.idle()).as("fresh").isTrue();
        d.register(1, IGNORE);
        assertThat(d.idle()).as("a request active").isFalse();
        byte[] out = stdout(1, "Status: 200\r\n\r\nok");
        d.feed(ByteBuffer.wrap(out, 0, 5));
        assertThat(d.idle()).as("half a header").isFalse();
        d.feed(ByteBuffer.wrap(out, 5, out.length - 5));
        d.feed(ByteBuffer.wrap(END, 0, END.length - 1));
        assertThat(d.idle()).as("END_REQUEST not whole").isFalse();
        d.feed(ByteBuffer.wrap(END, END.length - 1, 1));
        assertThat(d.idle()).as("after END_REQUEST").isTrue();
        d.register(1, IGNORE);
        d.feed(ByteBuffer.wrap(END));
        assertThat(d.idle()).as("the same id again, ended").isTrue();
        assertThatThrownBy(() -> d.feed(ByteBuffer.wrap(stdout(1, "late")))).isInstanceOf(FcgiProtocolException.class);
        assertThat(d.idle()).as("a record after END_REQUEST fails the connection").isFalse();
    }
}
