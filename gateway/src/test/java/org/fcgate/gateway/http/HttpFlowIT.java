package org.fcgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.support.CollidingNames;
import org.fcgate.gateway.support.GatewayExtension;
import org.fcgate.gateway.support.RawClient;
import org.fcgate.gateway.support.TestSite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pipelining, bodies, Expect, oversized heads and HEAD over a raw socket (RELIABILITY R10–R16, R65). The body limit is
 * scaled down to 64 KiB so the cases stay small.
 */
class HttpFlowIT {

    private static final long MAX_BODY = 64 * 1024;
    private static GatewayExtension gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayExtension.start(root -> TestSite.config(root,
                HttpLimits.defaults().withMaxBodyBytes(MAX_BODY), Timeouts.defaults()));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @AfterEach
    void canary() throws Exception {
        gateway.canary();
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n";
    }

    @Test
    void R10_pipelinedResponsesInOrderAndNothingAfterConnectionClose() throws Exception {
        try (RawClient c = gateway.connect()) {
            c.send(get("/big.txt") + get("/a.txt") + get("/b.txt")
                    + "GET /static.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + get("/never.txt"));
            List<RawClient.Response> all = c.readAllUntilClose();
            assertThat(all).extracting(RawClient.Response::bodyText)
                    .containsExactly(TestSite.BIG_TEXT, "aaa\n", "bbb\n", "static\n");
            assertThat(all.get(3).closes()).isTrue();
        }
    }

    @Test
    void R11_errorInsidePipelineAnswersFirstThenRefusesAndCloses() throws Exception {
        try (RawClient c = gateway.connect()) {
            c.send(get("/a.txt") + "GET / HTTP/1.1\r\nFoo\r\n\r\n" + get("/b.txt"));
            RawClient.Response first = c.read();
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.bodyText()).isEqualTo("aaa\n");
            RawClient.Response second = c.read();
            assertThat(second.status()).isEqualTo(400);
            assertThat(second.closes()).isTrue();
            assertThat(c.readAllUntilClose()).isEmpty();
        }
    }

    @Test
    void R12_discardedBodyNeverParsedAsRequest() throws Exception {
        byte[] body = bodyWithEmbeddedRequest(60_000);
        try (RawClient c = gateway.connect()) {
            c.send("POST /missing.php HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length + "\r\n\r\n");
            c.send(body);
            c.send("GET /a.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            List<RawClient.Response> all = c.readAllUntilClose();
            assertThat(all).extracting(RawClient.Response::status).containsExactly(404, 200);
            assertThat(all.get(1).bodyText()).isEqualTo("aaa\n");
        }
    }

    @Test
    void R12_R65_declaredBodyOverLimitIs413BeforeTheBodyAndCloses() throws Exception {
        byte[] body = bodyWithEmbeddedRequest(100_000);
        try (RawClient c = gateway.connect()) {
            c.send("POST /big.php HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length + "\r\n\r\n");
            RawClient.Response r = c.read(); // answered before a single body byte was sent
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.closes()).isTrue();
            sendIgnoringReset(c, body);
            assertThat(c.readAllUntilClose()).isEmpty();
        }
    }

    @Test
    void R65_chunkedBodyCrossingLimitIs413AsSoonAsCrossed() throws Exception {
        try (RawClient c = gateway.connect()) {
            c.send("POST /sub/test.php HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
            c.send("8000\r\n" + "x".repeat(0x8000) + "\r\n");
            c.send("8001\r\n"); // 32768 + 32769 > 65536: refused on the chunk header, its data never sent
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.closes()).isTrue();
            assertThat(c.readAllUntilClose()).isEmpty();
        }
    }

    @Test
    void R13_http10PostWithoutLengthIs411() throws Exception {
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("POST /echo.php HTTP/1.0\r\n\r\nbody bytes").read();
            assertThat(r.status()).isEqualTo(411);
            assertThat(c.readAllUntilClose()).isEmpty();
        }
    }

    @Test
    void R13_http10KeepAliveGetsContentLengthNeverChunked() throws Exception {
        try (RawClient c = gateway.connect()) {
            String req = "GET /static.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
            RawClient.Response first = c.send(req).read();
            assertThat(first.header("connection")).isEqualToIgnoringCase("keep-alive");
            assertThat(first.header("content-length")).isEqualTo("7");
            assertThat(first.header("transfer-encoding")).isNull();
            RawClient.Response second = c.send("GET /a.txt HTTP/1.0\r\n\r\n").read();
            assertThat(second.bodyText()).isEqualTo("aaa\n");
            assertThat(second.closes()).isTrue();
        }
    }

    @Test
    void R13_R14_expectContinueOnHttp10GetsNo100() throws Exception {
        try (RawClient c = gateway.connect()) {
            c.send("POST /sub/test.php HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(502); // phase 1: FastCGI route without upstream
        }
    }

    @Test
    void R14_expectContinueTooLargeIs413Immediately() throws Exception {
        try (RawClient c = gateway.connect()) {
            c.send("POST /upload.php HTTP/1.1\r\nHost: a\r\nContent-Length: 10737418240\r\n"
                    + "Expect: 100-continue\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.closes()).isTrue();
            assertThat(c.readAllUntilClose()).isEmpty();
        }
    }

    @Test
    void R14_expectContinueAcceptedBodyGets100ThenFinal() throws Exception {
        try (RawClient c = gateway.connect()) {
            c.send("POST /sub/test.php HTTP/1.1\r\nHost: a\r\nContent-Length: 1024\r\nExpect: 100-continue\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(100);
            c.send("k".repeat(1024));
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.bodyText()).contains("no upstream configured");
            assertThat(c.send(get("/a.txt")).read().status()).as("connection reusable").isEqualTo(200);
        }
    }

    @Test
    void R14_expectContinueOnStaticRouteIsAnsweredWithoutReadingTheBody() throws Exception {
        try (RawClient c = gateway.connect()) {
            c.send("POST /static.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 1024\r\nExpect: 100-continue\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(405);
            assertThat(r.closes()).isTrue();
            assertThat(c.readAllUntilClose()).isEmpty();
        }
    }

    @Test
    void R15_requestLineOf70KbIs414() throws Exception {
        assertRefused("GET /" + "a".repeat(70 * 1024) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414);
    }

    @Test
    void R15_headerOf70KbIs431() throws Exception {
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(70 * 1024) + "\r\n\r\n", 431);
    }

    @Test
    void R15_tenThousandHeadersIs431() throws Exception {
        StringBuilder head = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 10_000; i++) {
            head.append("X-").append(i).append(": 1\r\n");
        }
        assertRefused(head.append("\r\n").toString(), 431);
    }

    @Test
    void R15_hundredHeadersOf8KbIs431() throws Exception {
        StringBuilder head = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 100; i++) {
            head.append("X-").append(i).append(": ").append("v".repeat(8 * 1024)).append("\r\n");
        }
        assertRefused(head.append("\r\n").toString(), 431);
    }

    /**
     * Hash flooding: 8,000 header names built to collide in {@code String.hashCode}, as sent and as CGI names
     * ({@link CollidingNames}). The header-count limit (100 lines) refuses the head before the 101st line, so no map
     * ever holds more than 100 of them; the connection closes, and the next one is served (the canary after each case).
     */
    @Test
    void R15_eightThousandHeaderNamesCollidingInStringHashCodeAre431() throws Exception {
        StringBuilder head = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (String name : CollidingNames.of(8_000)) {
            head.append(name).append(": 1\r\n");
        }
        assertRefused(head.append("\r\n").toString(), 431);
    }

    @Test
    void R15_validHeadOneBytePerWriteIsParsed() throws Exception {
        StringBuilder head = new StringBuilder("GET /static.txt HTTP/1.1\r\nHost: a\r\n");
        while (head.length() < 4000) {
            head.append("X-Pad-").append(head.length()).append(": ").append("p".repeat(200)).append("\r\n");
        }
        byte[] bytes = head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
        try (RawClient c = gateway.connect()) {
            for (byte b : bytes) {
                c.send(new byte[] {b});
            }
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("static\n");
        }
    }

    @Test
    void R16_headHasNoBodyAndNextRequestIsParsed() throws Exception {
        try (RawClient c = gateway.connect()) {
            RawClient.Response head = c.send("HEAD /big.txt HTTP/1.1\r\nHost: a\r\n\r\n").read(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).isEqualTo(String.valueOf(TestSite.BIG_TEXT.length()));
            RawClient.Response next = c.send(get("/a.txt")).read();
            assertThat(next.status()).as("no HEAD body bytes before it").isEqualTo(200);
            assertThat(next.bodyText()).isEqualTo("aaa\n");
            RawClient.Response missing = c.send("HEAD /nope.txt HTTP/1.1\r\nHost: a\r\n\r\n").read(true);
            assertThat(missing.status()).isEqualTo(404);
            assertThat(c.send(get("/b.txt")).read().bodyText()).isEqualTo("bbb\n");
        }
    }

    @Test
    void chunkedRequestBodyWithTrailersKeepsConnectionInSync() throws Exception {
        try (RawClient c = gateway.connect()) {
            c.send("POST /sub/test.php HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5;ext=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n" + get("/a.txt"));
            assertThat(c.read().status()).isEqualTo(502);
            assertThat(c.read().bodyText()).isEqualTo("aaa\n");
        }
    }

    private static void assertRefused(String request, int status) throws IOException {
        try (RawClient c = gateway.connect()) {
            sendIgnoringReset(c, request.getBytes(StandardCharsets.US_ASCII));
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(status);
            assertThat(r.closes()).isTrue();
            assertThat(c.readAllUntilClose()).isEmpty();
        }
    }

    /** The server may refuse and close while we are still writing; what matters is what it answered. */
    private static void sendIgnoringReset(RawClient c, byte[] bytes) {
        try {
            c.send(bytes);
        } catch (IOException e) {
            // Broken pipe / reset after the server closed: expected for refused uploads.
        }
    }

    private static byte[] bodyWithEmbeddedRequest(int length) {
        byte[] body = "z".repeat(length).getBytes(StandardCharsets.US_ASCII);
        byte[] embedded = "GET /admin.php HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(embedded, 0, body, length / 2, embedded.length);
        return body;
    }
}
