package org.fcgate.fcgi.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.testing.Splits;
import org.fcgate.fcgi.testing.Transcript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The CGI head at the start of STDOUT (RFC 3875 §6): what nginx accepts, and "too big header" (R42). */
class ResponseHeadParserTest {

    /**
     * Parses {@code head} fed in {@code pieces} as STDOUT chunks of a record at offset 64; renders the head and the
     * body bytes left behind, or the failure.
     */
    private static String parse(FcgiLimits limits, List<ByteBuffer> pieces) {
        ResponseHeadParser p = new ResponseHeadParser(limits, 3);
        StringBuilder body = new StringBuilder();
        try {
            for (ByteBuffer piece : pieces) {
                ByteBuffer b = piece.duplicate();
                if (p.feed(b, 64)) {
                    body.append(StandardCharsets.ISO_8859_1.decode(b));
                }
            }
        } catch (FcgiProtocolException e) {
            assertThatThrownBy(() -> p.feed(ByteBuffer.wrap(new byte[] {'x'}), 0))
                    .as("parser must refuse input after a failure").isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(p::head).isInstanceOf(IllegalStateException.class);
            return Transcript.describe(e);
        }
        if (!p.isDone()) {
            return "INCOMPLETE";
        }
        ResponseHead h = p.head();
        return h.status() + " '" + h.reason() + "' hasStatus=" + h.hasStatus() + " " + h.headers()
                + " body='" + body + "'";
    }

    private static String parse(FcgiLimits limits, String head) {
        byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
        return Splits.assertSplitInvariant(bytes, pieces -> parse(limits, pieces));
    }

    private static String parse(String head) {
        return parse(FcgiLimits.DEFAULTS, head);
    }

    @Test
    void crlfLinesWithStatusAndBody() {
        assertThat(parse("Status: 404 Not Found\r\nContent-Type: text/html\r\nX-A:  spaced value \t\r\n\r\nbody"))
                .isEqualTo("404 'Not Found' hasStatus=true [Header[name=Content-Type, value=text/html], "
                        + "Header[name=X-A, value=spaced value]] body='body'");
    }

    @Test
    void bareLfLines() {
        assertThat(parse("Content-Type: text/plain\nLocation: /x\n\nrest\r\n"))
                .isEqualTo("200 '' hasStatus=false [Header[name=Content-Type, value=text/plain], "
                        + "Header[name=Location, value=/x]] body='rest\r\n'");
    }

    /** RFC 3875 §6.3.3: "200 'OK' is assumed if it is omitted". */
    @Test
    void noStatusMeans200() {
        assertThat(parse("Content-Type: text/plain\r\n\r\n")).startsWith("200 '' hasStatus=false");
    }

    @ParameterizedTest(name = "Status: {0}")
    @CsvSource(delimiter = '|', value = {"200|200 ''", "201 Created|201 'Created'", "999|999 ''",
            "302 Found|302 'Found'", "status-line-lowercase|"})
    void validStatus(String value, String expected) {
        if (expected == null) {
            assertThat(parse("status: 204\r\n\r\n")).startsWith("204 '' hasStatus=true");
            return;
        }
        assertThat(parse("Status: " + value + "\r\n\r\n")).startsWith(expected + " hasStatus=true");
    }

    /** R44: nginx "upstream sent invalid status". */
    @ParameterizedTest(name = "Status: {0}")
    @ValueSource(strings = {"99", "1000", "abc", "200OK", "", "199", "20", "2OO", "-200", " 1000 x"})
    void R44_invalidStatusIsRejected(String value) {
        assertThat(parse("Content-Type: text/plain\r\nStatus: " + value + "\r\n\r\n"))
                .isEqualTo("FAIL MALFORMED_RESPONSE_HEAD id=3 type=6 offset=64");
    }

    /** R44: two Status lines are an error, never a silent last-wins. */
    @ParameterizedTest(name = "{0} then {1}")
    @CsvSource({"200, 404", "404, 404"})
    void R44_twoStatusLinesAreRejected(String first, String second) {
        assertThat(parse("Status: " + first + "\r\nX: y\r\nStatus: " + second + "\r\n\r\n"))
                .isEqualTo("FAIL MALFORMED_RESPONSE_HEAD id=3 type=6 offset=64");
    }

    /** Heads written with visible escapes: \\r and \\n stand for CR and LF, \\0 for NUL, \\e for ESC. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "CR inside a value|X-A: a\\rb\\r\\n\\r\\n",
            "NUL in a value|X-A: a\\0b\\r\\n\\r\\n",
            "ESC in a value|X-A: \\e[31mred\\r\\n\\r\\n",
            "DEL in a value|X-A: a\u007fb\\r\\n\\r\\n",
            "line without colon|Content-Type text/plain\\r\\n\\r\\n",
            "empty name|': value\\r\\n\\r\\n'",
            "space in the name|X A: b\\r\\n\\r\\n",
            "space before the colon|X-A : b\\r\\n\\r\\n",
            "folded continuation line|X-A: b\\r\\n  c\\r\\n\\r\\n",
            "NUL in the name|X\\0A: b\\r\\n\\r\\n"})
    void malformedLineIsRejected(String what, String written) {
        String head = written.replace("\\r", "\r").replace("\\n", "\n").replace("\\0", "\u0000")
                .replace("\\e", "\u001b");
        assertThat(parse(head)).as(what).isEqualTo("FAIL MALFORMED_RESPONSE_HEAD id=3 type=6 offset=64");
    }

    @Test
    void tabAndHighBytesInAValueAreKept() {
        assertThat(parse("X-A: a\tb\u00e9\r\n\r\n")).contains("value=a\tb\u00e9");
    }

    @Test
    void headWithoutBlankLineIsIncomplete() {
        assertThat(parse("Content-Type: text/html\r\n")).isEqualTo("INCOMPLETE");
    }

    /** R42: the limit counts every head byte up to and including the blank line's LF. */
    @ParameterizedTest(name = "limit {0}")
    @CsvSource({"32, true", "31, false"})
    void R42_headAtTheLimitAndOnePast(int limit, boolean accepted) {
        String head = "X-A: 01234567890123456789012\r\n\r\n"; // 32 bytes
        assertThat(head).hasSize(32);
        String result = parse(FcgiLimits.DEFAULTS.withMaxResponseHeadBytes(limit), head + "body after the head");
        if (accepted) {
            assertThat(result).endsWith("body='body after the head'");
        } else {
            assertThat(result).isEqualTo("FAIL RESPONSE_HEAD_TOO_LARGE id=3 type=6 offset=64");
        }
    }

    @Test
    void R42_oneLongLineOverTheLimitFailsWithoutGrowingPastIt() {
        byte[] line = new byte[100 * 1024];
        java.util.Arrays.fill(line, (byte) 'a');
        ResponseHeadParser p = new ResponseHeadParser(FcgiLimits.DEFAULTS, 3);
        assertThatThrownBy(() -> p.feed(ByteBuffer.wrap(line), 8))
                .isInstanceOfSatisfying(FcgiProtocolException.class, e -> {
                    assertThat(e.reason()).isEqualTo(FcgiProtocolException.Reason.RESPONSE_HEAD_TOO_LARGE);
                    assertThat(e.getMessage()).contains("65536");
                });
    }

    @Test
    void R42_manyHeaderLinesOverTheLimit() {
        String lines = "X-A: aaaaaaaaaa\r\n".repeat(10_000);
        ResponseHeadParser p = new ResponseHeadParser(FcgiLimits.DEFAULTS, 3);
        assertThatThrownBy(() -> p.feed(ByteBuffer.wrap(lines.getBytes(StandardCharsets.US_ASCII)), 8))
                .isInstanceOfSatisfying(FcgiProtocolException.class, e ->
                        assertThat(e.reason()).isEqualTo(FcgiProtocolException.Reason.RESPONSE_HEAD_TOO_LARGE));
    }

    @Test
    void headIsNotReadyBeforeTheBlankLine() throws FcgiProtocolException {
        ResponseHeadParser p = new ResponseHeadParser(FcgiLimits.DEFAULTS, 1);
        assertThat(p.feed(ByteBuffer.wrap("X: y\r\n".getBytes(StandardCharsets.US_ASCII)), 0)).isFalse();
        assertThatThrownBy(p::head).isInstanceOf(IllegalStateException.class);
    }
}
