package org.fcgate.fcgi.peers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.fcgate.fcgi.client.ResponseHead;
import org.fcgate.fcgi.client.ResponseHeadParser;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.testing.AppHarness;
import org.fcgate.fcgi.testing.ClientHarness;
import org.fcgate.fcgi.testing.Splits;
import org.fcgate.fcgi.testing.Transcript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Byte stories captured once from real peers (see src/test/resources/org/fcgate/fcgi/peers/README.md): our decoders
 * must read what php-cgi, php-fpm and nginx actually write, not only what our own encoders write.
 */
class PeerStoriesTest {

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = PeerStoriesTest.class.getResourceAsStream("/org/fcgate/fcgi/peers/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    private static final String BODY_START = "query=x=1\nbody=ping=1\n0123456789abcdef";

    /**
     * php answers story.php with STDERR, STDOUT in two records (8 KiB output buffer), END_REQUEST; it sends no empty
     * STDOUT or STDERR record, and php-cgi leaves non-zero bytes in END_REQUEST's reserved field.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"php-cgi-8.2-response.bin", "php-fpm-8.2-response.bin"})
    void phpResponseDecodes(String file) throws IOException, FcgiProtocolException {
        byte[] wire = resource(file);
        List<String> events = Splits.assertSplitInvariant(wire,
                new ClientHarness().register(1).endOfInput()::run).events();
        assertThat(events).hasSize(4);
        assertThat(events.get(0)).startsWith("STDERR 1 \"").contains("fcgate byte story on stderr");
        assertThat(events.get(1)).startsWith("STDOUT 1 ");
        assertThat(events.subList(2, 4)).containsExactly("END 1 appStatus=0x0 REQUEST_COMPLETE", "EOF");

        Transcript t = new ClientHarness().register(1).keepBytes().run(Splits.whole(wire));
        byte[] stdout = t.bytes("STDOUT 1");
        String body = BODY_START + "0123456789abcdef".repeat(639) + "\n";
        String text = new String(stdout, StandardCharsets.ISO_8859_1);
        assertThat(text).endsWith("\r\n\r\n" + body);

        ResponseHeadParser head = new ResponseHeadParser(FcgiLimits.DEFAULTS, 1);
        ByteBuffer rest = ByteBuffer.wrap(stdout);
        assertThat(head.feed(rest, 48)).isTrue();
        ResponseHead h = head.head();
        assertThat(h.status()).isEqualTo(201);
        assertThat(h.reason()).isEqualTo("Created");
        assertThat(h.header("x-fcgate")).isEqualTo("byte-story");
        assertThat(h.header("Content-Type")).isEqualTo("text/html; charset=UTF-8");
        assertThat(StandardCharsets.ISO_8859_1.decode(rest).toString()).isEqualTo(body);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"php-cgi-8.2-response.bin", "php-fpm-8.2-response.bin"})
    void phpResponseHeadParsesWhateverTheSplit(String file) throws IOException {
        byte[] stdout = new ClientHarness().register(1).keepBytes().run(Splits.whole(resource(file)))
                .bytes("STDOUT 1");
        byte[] head = java.util.Arrays.copyOf(stdout, 200); // the head and the start of the body
        String parsed = Splits.assertSplitInvariant(head, pieces -> {
            ResponseHeadParser p = new ResponseHeadParser(FcgiLimits.DEFAULTS, 1);
            StringBuilder body = new StringBuilder();
            try {
                for (ByteBuffer piece : pieces) {
                    ByteBuffer b = piece.duplicate();
                    if (p.feed(b, 0)) {
                        body.append(StandardCharsets.ISO_8859_1.decode(b));
                    }
                }
            } catch (FcgiProtocolException e) {
                return Transcript.describe(e);
            }
            return p.head() + " | " + body;
        });
        assertThat(parsed).contains("status=201").contains("| " + BODY_START);
    }

    @Test
    void truncatedPhpResponseFailsBeforeEndRequest() throws IOException {
        byte[] wire = resource("php-fpm-8.2-response.bin");
        byte[] cut = java.util.Arrays.copyOf(wire, wire.length - 16); // without END_REQUEST
        assertThat(new ClientHarness().register(1).endOfInput().run(Splits.whole(cut)).events())
                .endsWith("FAIL TRUNCATED id=1 type=-1 offset=" + cut.length, "TERMINAL");
    }

    /**
     * nginx 1.22 sends BEGIN_REQUEST without KEEP_CONN, one PARAMS record padded to 8 with a 130-byte name and a
     * 200-byte value in the 4-byte form (R22), then STDIN; every record ends its stream with an empty one.
     */
    @Test
    void nginxRequestDecodes() throws IOException {
        byte[] wire = resource("nginx-1.22-request.bin");
        AppHarness harness = new AppHarness().endOfInput();
        List<String> events = Splits.assertSplitInvariant(wire, harness::run).events();
        assertThat(events).hasSize(5);
        assertThat(events.get(0)).isEqualTo("BEGIN 1 RESPONDER code=1 keepConn=false");
        assertThat(events.subList(2, 5)).containsExactly("STDIN 1 \"name=fcgate&story=nginx\"", "STDIN_END 1", "EOF");

        harness.run(Splits.whole(wire));
        var params = harness.params.get(1);
        assertThat(params.get("REQUEST_METHOD")).isEqualTo("POST");
        assertThat(params.get("QUERY_STRING")).isEqualTo("a=1&b=%C3%A9");
        assertThat(params.get("CONTENT_LENGTH")).isEqualTo("23");
        assertThat(params.get("SERVER_NAME")).isEqualTo("story.test");
        assertThat(params.get("HTTP_X_LONG")).isEqualTo("v".repeat(200));
        String longName = "HTTP_X_" + "N".repeat(123);
        assertThat(longName).hasSize(130);
        assertThat(params.get(longName)).isEqualTo("short");
    }
}
