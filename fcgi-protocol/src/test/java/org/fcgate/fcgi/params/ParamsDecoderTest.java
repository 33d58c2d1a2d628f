package org.fcgate.fcgi.params;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.stream.Stream;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.FcgiProtocolException.Reason;
import org.fcgate.fcgi.testing.AppHarness;
import org.fcgate.fcgi.testing.Splits;
import org.fcgate.fcgi.testing.SpecVectors;
import org.fcgate.fcgi.testing.Transcript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Lenient in: both length forms, pairs arriving a byte at a time, limits checked before allocating. */
class ParamsDecoderTest {

    /**
     * Decodes pair bytes (no record headers) fed in {@code pieces}, as if all were the content of a record at stream
     * offset 100 and the stream's end record at offset 200; the result or the failure, as text.
     */
    private static String decode(FcgiLimits limits, List<ByteBuffer> pieces) {
        ParamsDecoder d = new ParamsDecoder(limits, 7, 4);
        try {
            for (ByteBuffer p : pieces) {
                d.feed(p.duplicate(), 100);
            }
            return AppHarness.render(d.finish(200));
        } catch (FcgiProtocolException e) {
            assertThatThrownBy(() -> d.feed(ByteBuffer.allocate(1), 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> d.finish(0)).isInstanceOf(IllegalStateException.class);
            return Transcript.describe(e);
        }
    }

    private static String decode(List<ByteBuffer> pieces) {
        return decode(FcgiLimits.DEFAULTS, pieces);
    }

    static Stream<Arguments> vectors() {
        String name130 = new String(SpecVectors.longName(), java.nio.charset.StandardCharsets.US_ASCII);
        return Stream.of(
                Arguments.of("1-byte lengths", SpecVectors.paramsShort(), "[SCRIPT_NAME=/a.php, QUERY_STRING=]"),
                Arguments.of("4-byte lengths, value 200", SpecVectors.paramsLongValue200(),
                        "[" + name130 + "=<200 bytes, crc32 "
                                + Transcript.crc32(SpecVectors.longValue(200)) + ">]"),
                Arguments.of("4-byte lengths, value 40000", SpecVectors.paramsLongValue40000(),
                        "[" + name130 + "=<40000 bytes, crc32 "
                                + Transcript.crc32(SpecVectors.longValue(40000)) + ">]"),
                Arguments.of("pairs straddling records", SpecVectors.paramsStraddling(),
                        "[SCRIPT_NAME=/a.php, " + name130 + "=x]"),
                Arguments.of("GET_VALUES body", SpecVectors.getValues(),
                        "[FCGI_MAX_CONNS=, FCGI_MAX_REQS=, FCGI_MPXS_CONNS=]"),
                Arguments.of("GET_VALUES_RESULT body", SpecVectors.getValuesResult(),
                        "[FCGI_MAX_CONNS=10, FCGI_MAX_REQS=50, FCGI_MPXS_CONNS=0]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void decodesEveryVectorWhateverTheSplit(String name, byte[] records, String expected) {
        byte[] content = SpecVectors.contentOf(records);
        String result = Splits.assertSplitInvariant(content, ParamsDecoderTest::decode);
        assertThat(result).isEqualTo(expected);
    }

    @Test
    void R22_valuesAreByteIdentical() throws FcgiProtocolException {
        ParamsDecoder d = new ParamsDecoder(FcgiLimits.DEFAULTS, 1, 4);
        d.feed(ByteBuffer.wrap(SpecVectors.contentOf(SpecVectors.paramsLongValue40000())), 0);
        Params p = d.finish(0);
        assertThat(p.pairs()).hasSize(1);
        assertThat(p.pairs().get(0).name()).isEqualTo(SpecVectors.longName());
        assertThat(p.pairs().get(0).value()).isEqualTo(SpecVectors.longValue(40000));
    }

    @Test
    void fourByteFormMayCarryASmallLength() {
        byte[] content = {(byte) 0x80, 0, 0, 1, (byte) 0x80, 0, 0, 2, 'A', 'b', 'c'};
        String result = Splits.assertSplitInvariant(content, ParamsDecoderTest::decode);
        assertThat(result).isEqualTo("[A=bc]");
    }

    @Test
    void emptyNameIsAPair() {
        assertThat(decode(Splits.whole(new byte[] {0, 1, 'v'}))).isEqualTo("[=v]");
    }

    /** paramsShort's pairs take 33 bytes, prefixes included. */
    @ParameterizedTest(name = "maxParamsBytes {0}")
    @CsvSource({"33, true", "32, false"})
    void maxParamsBytesAtTheBoundaryAndOnePast(int limit, boolean accepted) {
        byte[] content = SpecVectors.contentOf(SpecVectors.paramsShort());
        String result = Splits.assertSplitInvariant(content,
                pieces -> decode(FcgiLimits.DEFAULTS.withMaxParamsBytes(limit), pieces));
        if (accepted) {
            assertThat(result).isEqualTo("[SCRIPT_NAME=/a.php, QUERY_STRING=]");
        } else {
            assertThat(result).startsWith("FAIL PARAMS_TOO_LARGE id=7 type=4 offset=100");
        }
    }

    @ParameterizedTest(name = "maxParamCount {0}")
    @CsvSource({"3, true", "2, false"})
    void maxParamCountAtTheBoundaryAndOnePast(int limit, boolean accepted) {
        byte[] content = SpecVectors.contentOf(SpecVectors.getValues()); // three pairs
        String result = Splits.assertSplitInvariant(content,
                pieces -> decode(FcgiLimits.DEFAULTS.withMaxParamCount(limit), pieces));
        if (accepted) {
            assertThat(result).isEqualTo("[FCGI_MAX_CONNS=, FCGI_MAX_REQS=, FCGI_MPXS_CONNS=]");
        } else {
            assertThat(result).startsWith("FAIL TOO_MANY_PARAMS id=7 type=4 offset=100");
        }
    }

    /** A peer declaring a 2 GiB name must cost nothing: refused from the two length prefixes alone. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"name of 2^31-1 bytes, 0", "value of 2^31-1 bytes, 1"})
    void lengthOf2Pow31Minus1IsRefusedWithoutAllocating(String what, int which) {
        byte[] max = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
        byte[] one = {0x01};
        byte[] content = which == 0 ? SpecVectors.concat(max, one) : SpecVectors.concat(one, max);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        ParamsDecoder d = new ParamsDecoder(FcgiLimits.DEFAULTS.withMaxParamsBytes(Integer.MAX_VALUE), 1, 4);
        assertThatThrownBy(() -> d.feed(ByteBuffer.wrap(content), 40))
                .isInstanceOfSatisfying(FcgiProtocolException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.PARAMS_TOO_LARGE);
                    assertThat(e.requestId()).isEqualTo(1);
                    assertThat(e.recordType()).isEqualTo(4);
                    assertThat(e.offset()).isEqualTo(40);
                });
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertThat(allocated).as("bytes allocated while refusing").isLessThan(1 << 20);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "'inside a 1-byte name length pair', '0B'",
            "'inside a 4-byte length', '8000'",
            "'before the value', '0B06'",
            "'inside the name', '0B06534352'",
            "'inside the value', '01024162'"})
    void streamEndingInsideAPairIsMalformed(String where, String hex) {
        byte[] content = java.util.HexFormat.of().parseHex(hex);
        String result = Splits.assertSplitInvariant(content, ParamsDecoderTest::decode);
        assertThat(result).as(where).startsWith("FAIL MALFORMED_PARAMS id=7 type=4 offset=200");
    }

    @Test
    void consumedCountsContentBytes() throws FcgiProtocolException {
        ParamsDecoder d = new ParamsDecoder(FcgiLimits.DEFAULTS, Fcgi.NULL_REQUEST_ID, 9);
        d.feed(ByteBuffer.wrap(SpecVectors.contentOf(SpecVectors.getValues())), 8);
        assertThat(d.consumed()).isEqualTo(48);
    }
}
