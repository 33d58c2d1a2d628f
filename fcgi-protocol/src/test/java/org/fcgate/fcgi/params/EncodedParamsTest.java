package org.fcgate.fcgi.params;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.fcgate.fcgi.client.ClientRequestEncoder;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.RecordType;
import org.fcgate.fcgi.protocol.Role;
import org.fcgate.fcgi.testing.SpecVectors;
import org.junit.jupiter.api.Test;

/** Pairs encoded as they are added give the very bytes {@link ParamsEncoder} writes for the same {@link Params}. */
class EncodedParamsTest {

    private static byte[] viaParamsEncoder(Params params) {
        ByteBuffer b = ParamsEncoder.encode(1, params);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static byte[] records(EncodedParams e) {
        ByteBuffer b = ByteBuffer.allocate(e.recordsSize());
        e.writeRecords(b, RecordType.PARAMS, 1);
        assertThat(b.hasRemaining()).as("recordsSize is exact").isFalse();
        return b.array();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void specVectorOneByteLengths() {
        EncodedParams e = new EncodedParams(16); // grows
        e.addUtf8(ascii("SCRIPT_NAME"), "/a.php");
        e.addUtf8(ascii("QUERY_STRING"), "");
        assertThat(records(e)).isEqualTo(SpecVectors.paramsShort());
    }

    /** R22: a 130-byte name and a 200-byte value take the 4-byte form. */
    @Test
    void R22_specVectorFourByteLengths() {
        EncodedParams e = new EncodedParams(64);
        e.add(SpecVectors.longName(), SpecVectors.longValue(200));
        assertThat(records(e)).isEqualTo(SpecVectors.paramsLongValue200());
    }

    @Test
    void emptyIsOnlyTheEndRecord() {
        EncodedParams e = new EncodedParams(0);
        assertThat(records(e)).isEqualTo(viaParamsEncoder(Params.empty())).hasSize(Fcgi.HEADER_LEN);
    }

    /** UTF-8 and ISO-8859-1 values, ASCII or not, and a prefixed name, as Params' getBytes would make them. */
    @Test
    void charsetsMatchGetBytes() {
        EncodedParams e = new EncodedParams(8);
        e.addUtf8(ascii("DOCUMENT_URI"), "/caf\u00e9/\u65e5\u672c.php");
        e.addUtf8(ascii("ASCII"), "/plain.php?x=1");
        e.addLatin1(ascii("HTTP_X_LATIN"), "caf\u00e9 \u00ff");
        e.addLatin1(ascii("HTTP_X_WIDE"), "a\u0100b\ud83d\ude00c"); // not from the wire: replaced as getBytes does
        e.addLatin1(ascii("HTTP_"), "USER_AGENT", "Mozilla/5.0 \u00e9");
        e.addLatin1(ascii("HTTP_"), "X_WIDE2", "\u20ac");
        e.add(ascii("RAW"), new byte[] {0, 1, (byte) 0xFF});
        Params expected = Params.builder()
                .add(ascii("DOCUMENT_URI"), "/caf\u00e9/\u65e5\u672c.php".getBytes(StandardCharsets.UTF_8))
                .add(ascii("ASCII"), ascii("/plain.php?x=1"))
                .add(ascii("HTTP_X_LATIN"), "caf\u00e9 \u00ff".getBytes(StandardCharsets.ISO_8859_1))
                .add(ascii("HTTP_X_WIDE"), "a\u0100b\ud83d\ude00c".getBytes(StandardCharsets.ISO_8859_1))
                .add(ascii("HTTP_USER_AGENT"), "Mozilla/5.0 \u00e9".getBytes(StandardCharsets.ISO_8859_1))
                .add(ascii("HTTP_X_WIDE2"), "\u20ac".getBytes(StandardCharsets.ISO_8859_1))
                .add(ascii("RAW"), new byte[] {0, 1, (byte) 0xFF})
                .build();
        assertThat(records(e)).isEqualTo(viaParamsEncoder(expected));
        assertThat(e.toParams()).isEqualTo(expected);
        assertThat(e.pairCount()).isEqualTo(7);
        assertThat(e.contentSize()).isEqualTo((int) ParamsEncoder.contentSize(expected.pairs()));
    }

    @Test
    void lengthsAreThoseOfGetBytes() {
        for (String s : new String[] {"", "abc", "caf\u00e9", "\u65e5", "\ud83d\ude00", "a\u0100"}) {
            assertThat(EncodedParams.utf8Length(s)).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
            assertThat(EncodedParams.latin1Length(s)).isEqualTo(s.getBytes(StandardCharsets.ISO_8859_1).length);
        }
    }

    /** Records are cut between pairs, never inside one, at the same places as ParamsEncoder (php-fpm reads each alone). */
    @Test
    void R22_recordsCutBetweenPairsAsParamsEncoderDoes() {
        Params.Builder b = Params.builder();
        b.add("A", "x".repeat(40_000));
        b.add("B", "y".repeat(30_000)); // does not fit the first record: a second one
        b.add("C", "z".repeat(65_535 - 1 - 4 - 1 - 30_000 - 1 - 4 - 1)); // fills the second record exactly
        b.add("D", "");
        for (int i = 0; i < 300; i++) {
            b.add("N" + i, "v".repeat(i));
        }
        Params p = b.build();
        EncodedParams e = EncodedParams.of(p);
        assertThat(records(e)).isEqualTo(viaParamsEncoder(p));
        assertThat(e.recordsSize()).isEqualTo(ParamsEncoder.recordsSize(p.pairs()));
    }

    @Test
    void headIsTheSameAsForParams() {
        Params p = Params.builder().add("GATEWAY_INTERFACE", "CGI/1.1").add("REQUEST_METHOD", "GET").build();
        EncodedParams e = EncodedParams.of(p);
        ByteBuffer fromParams = ByteBuffer.allocate(ClientRequestEncoder.headSize(p));
        ClientRequestEncoder.writeHead(fromParams, 7, Role.RESPONDER, true, p);
        ByteBuffer fromEncoded = ByteBuffer.allocate(ClientRequestEncoder.headSize(e));
        ClientRequestEncoder.writeHead(fromEncoded, 7, Role.RESPONDER, true, e);
        assertThat(fromEncoded.array()).isEqualTo(fromParams.array());
    }
}
