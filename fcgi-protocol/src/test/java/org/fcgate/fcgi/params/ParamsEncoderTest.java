package org.fcgate.fcgi.params;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.RecordType;
import org.fcgate.fcgi.testing.SpecVectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Strict out: exact spec bytes, padding to 8, pairs never split across PARAMS records (php-fpm reads each alone). */
class ParamsEncoderTest {

    private static byte[] encode(Params params) {
        ByteBuffer b = ParamsEncoder.encode(1, params);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void oneByteLengths() {
        Params p = Params.builder().add("SCRIPT_NAME", "/a.php").add("QUERY_STRING", "").build();
        assertThat(encode(p)).isEqualTo(SpecVectors.paramsShort());
    }

    /** R22: a 130-byte name with a 200-byte and a 40,000-byte value use the 4-byte form (high bit set). */
    @Test
    void R22_fourByteLengthsForName130AndValue200() {
        Params p = Params.builder().add(SpecVectors.longName(), SpecVectors.longValue(200)).build();
        assertThat(encode(p)).isEqualTo(SpecVectors.paramsLongValue200());
    }

    @Test
    void R22_fourByteLengthsForName130AndValue40000() {
        Params p = Params.builder().add(SpecVectors.longName(), SpecVectors.longValue(40000)).build();
        assertThat(encode(p)).isEqualTo(SpecVectors.paramsLongValue40000());
    }

    @ParameterizedTest(name = "length {0} takes {1} byte(s)")
    @CsvSource({"0, 1", "127, 1", "128, 4", "65535, 4", "2147483647, 4"})
    void lengthFormSwitchesAt128(int length, int size) {
        assertThat(ParamsEncoder.lengthSize(length)).isEqualTo(size);
        ByteBuffer b = ByteBuffer.allocate(4);
        ParamsEncoder.writeLength(b, length);
        assertThat(b.position()).isEqualTo(size);
        if (size == 4) {
            assertThat(b.array()[0] & 0x80).as("high bit of B3").isEqualTo(0x80);
            assertThat(b.flip().getInt() & 0x7FFFFFFF).isEqualTo(length);
        }
    }

    @Test
    void getValuesAndResultBodiesAreSingleRecords() {
        Params query = Params.builder().add(Fcgi.MAX_CONNS, "").add(Fcgi.MAX_REQS, "").add(Fcgi.MPXS_CONNS, "")
                .build();
        ByteBuffer b = ByteBuffer.allocate(64);
        ParamsEncoder.writePairRecords(b, RecordType.GET_VALUES, 0, query.pairs());
        assertThat(Arrays.copyOf(b.array(), b.position())).isEqualTo(SpecVectors.getValues());

        Params result = Params.builder().add(Fcgi.MAX_CONNS, "10").add(Fcgi.MAX_REQS, "50").add(Fcgi.MPXS_CONNS, "0")
                .build();
        b.clear();
        ParamsEncoder.writePairRecords(b, RecordType.GET_VALUES_RESULT, 0, result.pairs());
        assertThat(Arrays.copyOf(b.array(), b.position())).isEqualTo(SpecVectors.getValuesResult());
    }

    @Test
    void emptyParamsAreOnlyTheEndRecord() {
        assertThat(encode(Params.empty())).isEqualTo(SpecVectors.emptyStreamRecord(RecordType.PARAMS.code()));
    }

    /** Splits {@code stream} into its records' contents, checking the header and padding of each. */
    private static List<byte[]> recordContents(byte[] stream) {
        List<byte[]> contents = new ArrayList<>();
        int at = 0;
        while (at < stream.length) {
            assertThat(stream[at]).isEqualTo((byte) 1);
            assertThat(stream[at + 1]).isEqualTo((byte) RecordType.PARAMS.code());
            int length = (stream[at + 4] & 0xFF) << 8 | (stream[at + 5] & 0xFF);
            int padding = stream[at + 6] & 0xFF;
            assertThat((length + padding) % 8).as("record at %d padded to 8", at).isZero();
            assertThat(padding).isLessThan(8);
            contents.add(Arrays.copyOfRange(stream, at + 8, at + 8 + length));
            at += 8 + length + padding;
        }
        assertThat(at).isEqualTo(stream.length);
        return contents;
    }

    /** Each record's content decoded alone, as php-fpm does: it must hold whole pairs. */
    private static Params decodeAlone(byte[] content) throws FcgiProtocolException {
        ParamsDecoder d = new ParamsDecoder(FcgiLimits.DEFAULTS.withMaxParamsBytes(1 << 20), 1, 4);
        d.feed(ByteBuffer.wrap(content), 0);
        return d.finish(0);
    }

    @Test
    void pairsCrossing65535BreakBetweenPairsAndEachRecordDecodesAlone() throws FcgiProtocolException {
        Params.Builder b = Params.builder();
        for (int i = 0; i < 7; i++) {
            b.add("HTTP_X_" + i, String.valueOf((char) ('a' + i)).repeat(20000)); // 1 + 4 + 8 + 20000 = 20013 bytes
        }
        Params params = b.build();
        byte[] stream = encode(params);
        List<byte[]> contents = recordContents(stream);
        assertThat(contents).extracting(c -> c.length).containsExactly(3 * 20013, 3 * 20013, 20013, 0);
        List<Params.Pair> all = new ArrayList<>();
        for (byte[] c : contents) {
            all.addAll(decodeAlone(c).pairs());
        }
        assertThat(all).isEqualTo(params.pairs());
        assertThat(stream).hasSize(ParamsEncoder.recordsSize(params.pairs()));
    }

    @Test
    void recordFilledToExactly65535ThenNextPairStartsANewRecord() throws FcgiProtocolException {
        // 1 + 4 + 1 + 32761 = 32767 and 1 + 4 + 1 + 32762 = 32768: together exactly 65535.
        Params params = Params.builder().add("A", "a".repeat(32761)).add("B", "b".repeat(32762)).add("C", "c")
                .build();
        List<byte[]> contents = recordContents(encode(params));
        assertThat(contents).extracting(c -> c.length).containsExactly(65535, 3 + 1, 0);
        assertThat(decodeAlone(contents.get(1)).toMap()).containsExactly(java.util.Map.entry("C", "c"));
    }

    @Test
    void pairOfExactly65535BytesFitsOneRecord() {
        Params params = Params.builder().add("N", "v".repeat(65529)).build(); // 1 + 4 + 1 + 65529
        assertThat(recordContents(encode(params))).extracting(c -> c.length).containsExactly(65535, 0);
    }

    @Test
    void pairOfOneByteMoreThan65535IsRefused() {
        Params params = Params.builder().add("SCRIPT_NAME", "/x").add("N", "v".repeat(65530)).build();
        assertThatThrownBy(() -> ParamsEncoder.encode(1, params))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("65536").hasMessageContaining("name starts N");
        ByteBuffer dst = ByteBuffer.allocate(1 << 17);
        assertThatThrownBy(() -> ParamsEncoder.recordsSize(params.pairs()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ParamsEncoder.writeRecords(dst, RecordType.PARAMS, 1, params.pairs()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
