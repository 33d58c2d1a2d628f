package org.fcgate.gateway.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AccessLogFormatTest {

    private static final ZoneId ZONE = ZoneId.of("+02:00");
    private static final Instant TIME = Instant.parse("2025-10-10T11:55:36Z");
    /** What an attacker puts in the target (Netty hands request bytes over as ISO-8859-1 characters). */
    private static final String HOSTILE_TARGET = "/a\"b\\c\r\n127.0.0.1 - - [forged] \u001b[31mred\u0000?q=\u00e9";
    private static final String HOSTILE_AGENT = "ua\"\r\n\u001b\u0000\\end";

    private static CompletedExchange forwarded() {
        return new CompletedExchange(TIME, "192.0.2.7", "GET", "/index.php?id=3", "HTTP/1.1", 200, 512,
                Optional.empty(), Optional.of("curl/8.5.0"), "fastcgi:php", Optional.of("php"), 4242,
                1_000_000, 12_345_678, 13_500_000);
    }

    @Test
    void combinedIsNginxCombinedThenTheUpstreamFields() {
        assertThat(AccessLogFormat.COMBINED.line(forwarded(), ZONE)).isEqualTo(
                "192.0.2.7 - - [10/Oct/2025:13:55:36 +0200] \"GET /index.php?id=3 HTTP/1.1\" 200 512 \"-\" "
                        + "\"curl/8.5.0\" upstream=php pid=4242 queue=0.001 upstream_time=0.012 rt=0.014");
    }

    @Test
    void absentValuesAreDashes() {
        CompletedExchange refused = new CompletedExchange(TIME, "2001:db8::1", "", "", "", 400, 0, Optional.empty(),
                Optional.empty(), "none", Optional.empty(), 0, -1, -1, 2_000_000);
        assertThat(AccessLogFormat.COMBINED.line(refused, ZONE)).isEqualTo(
                "2001:db8::1 - - [10/Oct/2025:13:55:36 +0200] \"-\" 400 0 \"-\" \"-\" upstream=- pid=- queue=- "
                        + "upstream_time=- rt=0.002");
    }

    @Test
    void clientGoneBeforeAnyResponseIs499() {
        CompletedExchange gone = new CompletedExchange(TIME, "192.0.2.7", "GET", "/x.php", "HTTP/1.1", 0, 0,
                Optional.empty(), Optional.empty(), "fastcgi:php", Optional.of("php"), 7, 0, -1, 5_000_000);
        assertThat(AccessLogFormat.COMBINED.line(gone, ZONE)).contains("\" 499 0 ");
        assertThat(json(AccessLogFormat.JSON.line(gone, ZONE)).get("status").asInt()).isEqualTo(499);
    }

    @Test
    void hostileTargetAndAgentCannotForgeLinesOrFieldsInCombined() {
        CompletedExchange e = new CompletedExchange(TIME, "192.0.2.7", "GET", HOSTILE_TARGET, "HTTP/1.1", 404, 0,
                Optional.of("http://x/\"\n"), Optional.of(HOSTILE_AGENT), "refused", Optional.empty(), 0, -1, -1, 0);
        String line = AccessLogFormat.COMBINED.line(e, ZONE);
        assertThat(line).doesNotContain("\r", "\n", "\u001b", "\u0000")
                .contains("\"GET /a\\x22b\\x5Cc\\x0D\\x0A127.0.0.1 - - [forged] \\x1B[31mred\\x00?q=\\xE9 HTTP/1.1\"")
                .contains("\"http://x/\\x22\\x0A\"")
                .contains("\"ua\\x22\\x0D\\x0A\\x1B\\x00\\x5Cend\"");
        // Exactly the six quote characters of the three quoted fields are left unescaped.
        assertThat(line.chars().filter(c -> c == '"').count()).isEqualTo(6);
    }

    @Test
    void jsonIsOneObjectPerLineWithTheValuesAsReceived() {
        CompletedExchange e = new CompletedExchange(TIME, "192.0.2.7", "GET", HOSTILE_TARGET, "HTTP/1.1", 200, 5,
                Optional.empty(), Optional.of(HOSTILE_AGENT), "fastcgi:php", Optional.of("php"), 4242, 0,
                2_000_000, 3_000_000);
        String line = AccessLogFormat.JSON.line(e, ZONE);
        assertThat(line).doesNotContain("\r", "\n", "\u001b", "\u0000");
        JsonNode o = json(line);
        assertThat(o.get("uri").asText()).isEqualTo(HOSTILE_TARGET);
        assertThat(o.get("http_user_agent").asText()).isEqualTo(HOSTILE_AGENT);
        assertThat(o.get("request").asText()).isEqualTo("GET " + HOSTILE_TARGET + " HTTP/1.1");
        assertThat(o.get("http_referer").isNull()).isTrue();
        assertThat(o.get("remote_user").isNull()).isTrue();
        assertThat(o.get("time").asText()).isEqualTo("2025-10-10T13:55:36+02:00");
        assertThat(o.get("status").asInt()).isEqualTo(200);
        assertThat(o.get("upstream").asText()).isEqualTo("php");
        assertThat(o.get("pid").asLong()).isEqualTo(4242);
        assertThat(o.get("queue").decimalValue()).isEqualByComparingTo("0.000");
        assertThat(o.get("upstream_time").decimalValue()).isEqualByComparingTo("0.002");
        assertThat(o.get("rt").decimalValue()).isEqualByComparingTo("0.003");
    }

    @Test
    void escapeLeavesPrintableAsciiAloneAndWritesOtherCharactersAsTheirUtf8Bytes() {
        assertThat(LogEscape.field("/plain/path.php?a=1&b=%20")).isEqualTo("/plain/path.php?a=1&b=%20");
        assertThat(LogEscape.field("")).isEqualTo("-");
        assertThat(LogEscape.field("\u007f")).isEqualTo("\\x7F");
        assertThat(LogEscape.field("\u20ac")).isEqualTo("\\xE2\\x82\\xAC");
        assertThat(LogEscape.field("\ud83d\ude00")).isEqualTo("\\xF0\\x9F\\x98\\x80");
    }

    @Test
    void formatNames() {
        assertThat(AccessLogFormat.parse("JSON")).isEqualTo(AccessLogFormat.JSON);
        assertThat(AccessLogFormat.parse("combined")).isEqualTo(AccessLogFormat.COMBINED);
    }

    private static JsonNode json(String line) {
        try {
            return new ObjectMapper().readTree(line);
        } catch (Exception e) {
            throw new AssertionError(line, e);
        }
    }
}
