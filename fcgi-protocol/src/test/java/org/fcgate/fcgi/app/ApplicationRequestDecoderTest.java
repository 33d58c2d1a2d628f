package org.fcgate.fcgi.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.testing.AppHarness;
import org.fcgate.fcgi.testing.Splits;
import org.fcgate.fcgi.testing.SpecVectors;
import org.fcgate.fcgi.testing.Transcript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Application role: what a web server sends, per request id, lenient in and with one typed failure for the rest. */
class ApplicationRequestDecoderTest {

    private static final byte[] BEGIN = SpecVectors.beginResponderKeepConn();
    private static final byte[] PARAMS = SpecVectors.paramsShort();
    private static final byte[] STDIN = SpecVectors.stdinSmall();
    private static final String PARAMS_EVENT = "PARAMS 1 [SCRIPT_NAME=/a.php, QUERY_STRING=]";

    private static List<String> decode(AppHarness harness, byte[] input) {
        return Splits.assertSplitInvariant(input, harness::run).events();
    }

    private static List<String> decode(byte[] input) {
        return decode(new AppHarness().endOfInput(), input);
    }

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

    @Test
    void responderRequest() {
        assertThat(decode(SpecVectors.concat(BEGIN, PARAMS, STDIN))).containsExactly(
                "BEGIN 1 RESPONDER code=1 keepConn=true", PARAMS_EVENT, "STDIN 1 \"a=1\"", "STDIN_END 1", "EOF");
    }

    static Stream<Arguments> begins() {
        return Stream.of(
                Arguments.of(SpecVectors.beginResponderKeepConn(), "BEGIN 1 RESPONDER code=1 keepConn=true"),
                Arguments.of(SpecVectors.beginAuthorizerId258(), "BEGIN 258 AUTHORIZER code=2 keepConn=false"),
                Arguments.of(SpecVectors.beginFilterId65535KeepConn(), "BEGIN 65535 FILTER code=3 keepConn=true"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("begins")
    void beginRequestForEachRole(byte[] vector, String expected) {
        assertThat(decode(new AppHarness(), vector)).containsExactly(expected);
    }

    @Test
    void unknownRoleIsReportedForTheApplicationToAnswerUnknownRole() {
        byte[] begin = SpecVectors.beginResponderKeepConn();
        begin[9] = 0x09; // roleB0: 9, no such role
        assertThat(decode(new AppHarness(), begin)).containsExactly("BEGIN 1 null code=9 keepConn=true");
    }

    @ParameterizedTest(name = "value {0} bytes")
    @CsvSource({"200", "40000"})
    void R22_fourByteLengthParams(int valueLength) {
        byte[] params = valueLength == 200 ? SpecVectors.paramsLongValue200() : SpecVectors.paramsLongValue40000();
        AppHarness harness = new AppHarness();
        decode(harness, SpecVectors.concat(BEGIN, params));
        assertThat(harness.params.get(1).pairs()).singleElement().satisfies(p -> {
            assertThat(p.name()).isEqualTo(SpecVectors.longName());
            assertThat(p.value()).isEqualTo(SpecVectors.longValue(valueLength));
        });
    }

    @Test
    void paramsStraddlingRecordsWithOddPadding() {
        assertThat(decode(new AppHarness(), SpecVectors.concat(BEGIN, SpecVectors.paramsStraddling())))
                .containsExactly("BEGIN 1 RESPONDER code=1 keepConn=true",
                        "PARAMS 1 [SCRIPT_NAME=/a.php, " + new String(SpecVectors.longName(),
                                StandardCharsets.US_ASCII) + "=x]");
    }

    @Test
    void stdinSplitAt65535() {
        byte[] input = SpecVectors.concat(BEGIN, PARAMS, SpecVectors.stdinSplitAt65535());
        Transcript t = new AppHarness().keepBytes().run(Splits.whole(input));
        assertThat(t.bytes("STDIN 1")).isEqualTo(SpecVectors.stdinBody());
        List<String> events = decode(new AppHarness().endOfInput(), input);
        assertThat(events).containsExactly("BEGIN 1 RESPONDER code=1 keepConn=true", PARAMS_EVENT,
                "STDIN 1 65540 bytes crc32=" + Transcript.crc32(SpecVectors.stdinBody()), "STDIN_END 1", "EOF");
    }

    @Test
    void filterReadsStdinThenData() {
        byte[] begin = SpecVectors.beginResponderKeepConn();
        begin[9] = 0x03; // roleB0: FCGI_FILTER
        byte[] data = record(1, 8, 1, 4, "file".getBytes(StandardCharsets.US_ASCII));
        assertThat(decode(SpecVectors.concat(begin, PARAMS, STDIN, data, SpecVectors.emptyStreamRecord(8))))
                .containsExactly("BEGIN 1 FILTER code=3 keepConn=true", PARAMS_EVENT, "STDIN 1 \"a=1\"",
                        "STDIN_END 1", "DATA 1 \"file\"", "DATA_END 1", "EOF");
    }

    @Test
    void abortReachesTheApplication() {
        assertThat(decode(SpecVectors.concat(BEGIN, PARAMS, SpecVectors.abortRequestId1(), STDIN))).containsExactly(
                "BEGIN 1 RESPONDER code=1 keepConn=true", PARAMS_EVENT, "ABORT 1", "STDIN 1 \"a=1\"",
                "STDIN_END 1", "EOF");
    }

    @Test
    void getValuesAndUnknownManagementRecords() {
        assertThat(decode(SpecVectors.concat(SpecVectors.getValues(), SpecVectors.managementType12()))).containsExactly(
                "GET_VALUES [FCGI_MAX_CONNS=, FCGI_MAX_REQS=, FCGI_MPXS_CONNS=]", "UNKNOWN_MANAGEMENT 12", "EOF");
    }

    @Test
    void recordsAfterCompleteAreDroppedAndTheIdCanBeReused() {
        byte[] input = SpecVectors.concat(BEGIN, PARAMS, STDIN, SpecVectors.abortRequestId1(),
                record(1, 5, 1, 0, "late".getBytes(StandardCharsets.US_ASCII)), BEGIN, PARAMS, STDIN);
        assertThat(decode(new AppHarness().completeOnStdinEnd().endOfInput(), input)).containsExactly(
                "BEGIN 1 RESPONDER code=1 keepConn=true", PARAMS_EVENT, "STDIN 1 \"a=1\"", "STDIN_END 1",
                "BEGIN 1 RESPONDER code=1 keepConn=true", PARAMS_EVENT, "STDIN 1 \"a=1\"", "STDIN_END 1", "EOF");
    }

    @Test
    void aBeginRequestWrittenAheadWaitsForTheCurrentRequestToComplete() {
        byte[] input = SpecVectors.concat(BEGIN, PARAMS, STDIN, BEGIN, PARAMS, STDIN);
        assertThat(decode(new AppHarness().completeOnAwait().endOfInput(), input)).containsExactly(
                "BEGIN 1 RESPONDER code=1 keepConn=true", PARAMS_EVENT, "STDIN 1 \"a=1\"", "STDIN_END 1", "AWAIT 1",
                "BEGIN 1 RESPONDER code=1 keepConn=true", PARAMS_EVENT, "STDIN 1 \"a=1\"", "STDIN_END 1", "EOF");
    }

    @Test
    void aBeginRequestWrittenAheadFailsWhenTheCurrentRequestStaysActive() {
        byte[] input = SpecVectors.concat(BEGIN, PARAMS, STDIN, BEGIN);
        assertThat(decode(new AppHarness().endOfInput(), input)).containsExactly(
                "BEGIN 1 RESPONDER code=1 keepConn=true", PARAMS_EVENT, "STDIN 1 \"a=1\"", "STDIN_END 1", "AWAIT 1",
                "FAIL DUPLICATE_REQUEST_ID id=1 type=1 offset=" + (BEGIN.length + PARAMS.length + STDIN.length),
                "TERMINAL");
    }

    // ---- one typed failure each ------------------------------------------------------------------------------

    static Stream<Arguments> failures() {
        byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
        byte[] begin7 = record(1, 1, 1, 1, new byte[7]);
        byte[] abortWithContent = record(1, 2, 1, 7, new byte[1]);
        byte[] stdin2 = record(1, 5, 2, 0, hello);
        int p = 16 + PARAMS.length; // offset after BEGIN and PARAMS
        return Stream.of(
                Arguments.of("version 2", SpecVectors.concat(BEGIN, record(2, 4, 1, 0, new byte[0])),
                        "FAIL UNSUPPORTED_VERSION id=-1 type=-1 offset=16"),
                Arguments.of("version 72: HTTP spoken to a FastCGI port",
                        "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                        "FAIL UNSUPPORTED_VERSION id=-1 type=-1 offset=0"),
                Arguments.of("BEGIN_REQUEST body of 7 bytes", begin7, "FAIL BAD_RECORD_BODY id=1 type=1 offset=0"),
                Arguments.of("ABORT_REQUEST with content", SpecVectors.concat(BEGIN, abortWithContent),
                        "FAIL BAD_RECORD_BODY id=1 type=2 offset=16"),
                Arguments.of("STDIN for a request id not active", SpecVectors.concat(BEGIN, PARAMS, stdin2),
                        "FAIL UNEXPECTED_REQUEST_ID id=2 type=5 offset=" + p),
                Arguments.of("PARAMS before BEGIN_REQUEST", PARAMS, "FAIL UNEXPECTED_REQUEST_ID id=1 type=4 offset=0"),
                Arguments.of("PARAMS with request id 0", record(1, 4, 0, 0, new byte[0]),
                        "FAIL UNEXPECTED_REQUEST_ID id=0 type=4 offset=0"),
                Arguments.of("record type 0x7F", SpecVectors.concat(BEGIN, record(1, 0x7F, 1, 0, hello)),
                        "FAIL UNEXPECTED_RECORD_TYPE id=1 type=127 offset=16"),
                Arguments.of("END_REQUEST sent to an application", SpecVectors.concat(BEGIN,
                        SpecVectors.endRequestComplete()), "FAIL UNEXPECTED_RECORD_TYPE id=1 type=3 offset=16"),
                Arguments.of("STDOUT sent to an application", SpecVectors.concat(BEGIN, record(1, 6, 1, 3, hello)),
                        "FAIL UNEXPECTED_RECORD_TYPE id=1 type=6 offset=16"),
                Arguments.of("GET_VALUES with a request id", SpecVectors.concat(BEGIN, record(1, 9, 1, 0,
                        new byte[0])), "FAIL UNEXPECTED_RECORD_TYPE id=1 type=9 offset=16"),
                Arguments.of("STDIN before the end of PARAMS", SpecVectors.concat(BEGIN, STDIN),
                        "FAIL UNEXPECTED_RECORD_TYPE id=1 type=5 offset=16"),
                Arguments.of("DATA for a RESPONDER", SpecVectors.concat(BEGIN, PARAMS, record(1, 8, 1, 3, hello)),
                        "FAIL UNEXPECTED_RECORD_TYPE id=1 type=8 offset=" + p),
                Arguments.of("PARAMS after the end of PARAMS", SpecVectors.concat(BEGIN, PARAMS, PARAMS),
                        "FAIL RECORD_AFTER_STREAM_END id=1 type=4 offset=" + p),
                Arguments.of("STDIN after the end of STDIN", SpecVectors.concat(BEGIN, PARAMS, STDIN, STDIN),
                        "FAIL RECORD_AFTER_STREAM_END id=1 type=5 offset=" + (p + STDIN.length)),
                Arguments.of("BEGIN_REQUEST for an active id", SpecVectors.concat(BEGIN, PARAMS, BEGIN),
                        "FAIL DUPLICATE_REQUEST_ID id=1 type=1 offset=" + p),
                Arguments.of("truncated inside a header", Arrays.copyOf(BEGIN, 3),
                        "FAIL TRUNCATED id=-1 type=-1 offset=3"),
                Arguments.of("truncated inside content", SpecVectors.concat(BEGIN, Arrays.copyOf(PARAMS, 20)),
                        "FAIL TRUNCATED id=1 type=4 offset=36"),
                Arguments.of("truncated inside padding", SpecVectors.concat(BEGIN, Arrays.copyOf(PARAMS, 44)),
                        "FAIL TRUNCATED id=1 type=4 offset=60"),
                Arguments.of("truncated before the end of PARAMS", SpecVectors.concat(BEGIN,
                        Arrays.copyOf(PARAMS, 48)), "FAIL TRUNCATED id=1 type=-1 offset=64"),
                Arguments.of("truncated before the end of STDIN", SpecVectors.concat(BEGIN, PARAMS,
                        Arrays.copyOf(STDIN, 16)), "FAIL TRUNCATED id=1 type=-1 offset=" + (p + 16)),
                Arguments.of("PARAMS ending inside a pair", SpecVectors.concat(BEGIN, record(1, 4, 1, 0,
                        new byte[] {0x0B, 0x06, 'S'}), SpecVectors.emptyStreamRecord(4)),
                        "FAIL MALFORMED_PARAMS id=1 type=4 offset=27"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void oneTypedFailureThenTerminal(String name, byte[] input, String failure) {
        assertThat(decode(input)).as(name).endsWith(failure, "TERMINAL");
    }

    /** paramsShort's two pairs take 33 bytes; the failing record is the PARAMS record at offset 16. */
    @ParameterizedTest(name = "maxParamsBytes {0}")
    @CsvSource({"33, true", "32, false"})
    void maxParamsBytesAtTheBoundaryAndOnePast(int limit, boolean accepted) {
        List<String> events = decode(new AppHarness().limits(FcgiLimits.DEFAULTS.withMaxParamsBytes(limit)),
                SpecVectors.concat(BEGIN, PARAMS));
        if (accepted) {
            assertThat(events).contains(PARAMS_EVENT);
        } else {
            assertThat(events).endsWith("FAIL PARAMS_TOO_LARGE id=1 type=4 offset=16", "TERMINAL");
        }
    }

    @ParameterizedTest(name = "maxParamCount {0}")
    @CsvSource({"2, true", "1, false"})
    void maxParamCountAtTheBoundaryAndOnePast(int limit, boolean accepted) {
        List<String> events = decode(new AppHarness().limits(FcgiLimits.DEFAULTS.withMaxParamCount(limit)),
                SpecVectors.concat(BEGIN, PARAMS));
        if (accepted) {
            assertThat(events).contains(PARAMS_EVENT);
        } else {
            assertThat(events).endsWith("FAIL TOO_MANY_PARAMS id=1 type=4 offset=16", "TERMINAL");
        }
    }

    /** R22: total params over the configured limit, spread over several records: the record that crosses it. */
    @Test
    void R22_paramsOverTheLimitAcrossRecords() {
        byte[] input = SpecVectors.concat(BEGIN, SpecVectors.paramsStraddling());
        // 5 + 13 + 3 + 134 = 155 content bytes; 150 fails in the fourth PARAMS record (at 16 + 301 = 317)
        assertThat(decode(new AppHarness().limits(FcgiLimits.DEFAULTS.withMaxParamsBytes(150)), input))
                .endsWith("FAIL PARAMS_TOO_LARGE id=1 type=4 offset=317", "TERMINAL");
        assertThat(decode(new AppHarness().limits(FcgiLimits.DEFAULTS.withMaxParamsBytes(155)), input))
                .hasSize(2);
    }
}
