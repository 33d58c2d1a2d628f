package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.fcgate.gateway.fastcgi.EvilServer.end;
import static org.fcgate.gateway.fastcgi.EvilServer.rec;
import static org.fcgate.gateway.fastcgi.EvilServer.stderr;
import static org.fcgate.gateway.fastcgi.EvilServer.stdout;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.support.ForwardingGateway;
import org.fcgate.gateway.support.RawClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and broken backends: EVIL (a scripted FastCGI server, registered as an external upstream for {@code .evil})
 * writes exact bytes; the client must get the documented status, or a cut-off connection once a response started —
 * never a clean-looking wrong answer. {@code .refused} and {@code .missing} point at nothing (R61).
 */
class EvilBackendIT {

    private static EvilServer evil;
    private static ForwardingGateway gateway;
    private static FastCgiUpstream evilUpstream;

    @BeforeAll
    static void start() throws Exception {
        evil = new EvilServer();
        int refusedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            refusedPort = s.getLocalPort();
        }
        Path root = Files.createTempDirectory("fcgate-evil");
        ForwardingGateway.write(root.resolve("x.evil"), "");
        ForwardingGateway.write(root.resolve("x.refused"), "");
        ForwardingGateway.write(root.resolve("x.missing"), "");
        FastCgiUpstreamOptions options = FastCgiUpstreamOptions.defaults();
        // EVIL closes after every answer, so no connection is kept (a kept one would race with that close).
        evilUpstream = FastCgiUpstream.external(ExternalServerOptions.of("evil",
                List.of(new BackendAddress.Tcp("127.0.0.1", evil.port()))).withKeepAlive(false), options);
        gateway = ForwardingGateway.start(root, Map.of(
                ".evil", evilUpstream,
                ".refused", FastCgiUpstream.external(ExternalServerOptions.of("refused",
                        List.of(new BackendAddress.Tcp("127.0.0.1", refusedPort))), options),
                ".missing", FastCgiUpstream.external(ExternalServerOptions.of("missing",
                        List.of(new BackendAddress.Unix(root.resolve("no-such.sock")))), options)),
                HttpLimits.defaults());
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (evil != null) {
            evil.close();
        }
    }

    @AfterEach
    void invariants() throws Exception {
        gateway.canary();
        await().atMost(Duration.ofSeconds(5)).until(() -> evilUpstream.openConnections().values().stream()
                .allMatch(n -> n == 0));
    }

    private static RawClient.Response ask(String target) throws Exception {
        try (RawClient c = gateway.connect()) {
            return c.send("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n").read();
        }
    }

    /** Sends a GET and returns every byte until the gateway closes the connection. */
    private static String askUntilClose(String target) throws Exception {
        try (RawClient c = gateway.connect()) {
            c.send("GET " + target + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            return new String(c.socket().getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    static Stream<Arguments> refusedAnswers() {
        byte[] ok = stdout("Content-Type: text/plain\r\n\r\nhello");
        return Stream.of(
                Arguments.of("R34 version 2", new byte[][] {rec(2, 6, 1, "hello".getBytes()), end()}, 502),
                Arguments.of("R34 version 72 (HTTP)", new byte[][] {
                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes()}, 502),
                Arguments.of("R35 type 0x7F", new byte[][] {rec(1, 0x7F, 1, new byte[8]), ok, end()}, 502),
                Arguments.of("R35 BEGIN_REQUEST", new byte[][] {rec(1, 1, 1, new byte[8]), ok, end()}, 502),
                Arguments.of("R35 GET_VALUES_RESULT", new byte[][] {rec(1, 10, 0, new byte[0]), ok, end()}, 502),
                Arguments.of("R37 request id 2", new byte[][] {rec(1, 6, 2, "Status: 200\r\n\r\nx".getBytes()),
                        rec(1, 3, 2, new byte[8])}, 502),
                Arguments.of("R37 request id 0", new byte[][] {rec(1, 6, 0, "Status: 200\r\n\r\nx".getBytes()),
                        rec(1, 3, 0, new byte[8])}, 502),
                Arguments.of("R38a END_REQUEST only", new byte[][] {end()}, 502),
                Arguments.of("R38b head without blank line", new byte[][] {
                        stdout("Content-Type: text/html\r\n"), end()}, 502),
                Arguments.of("R38c OVERLOADED", new byte[][] {end(2)}, 503),
                Arguments.of("R38c CANT_MPX_CONN", new byte[][] {end(1)}, 502),
                Arguments.of("R38c UNKNOWN_ROLE", new byte[][] {end(3)}, 502),
                Arguments.of("R38d END_REQUEST of 4 bytes", new byte[][] {rec(1, 3, 1, new byte[4])}, 502),
                Arguments.of("R38 closed before END_REQUEST, no head", new byte[][] {stdout("Content-")}, 502),
                Arguments.of("R42 1 MB of headers", new byte[][] {
                        stdout("X-A: aaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(1024 * 1024 / 30)), end()}, 502),
                Arguments.of("R42 one 100 KB header line", new byte[][] {
                        stdout("X-A: " + "a".repeat(100_000) + "\r\n\r\n"), end()}, 502),
                Arguments.of("R42 10,000 header lines", new byte[][] {
                        stdout("X-Abcdefgh: 1\r\n".repeat(10_000) + "\r\n"), end()}, 502),
                Arguments.of("R44 Status: 99", new byte[][] {stdout("Status: 99\r\n\r\n"), end()}, 502),
                Arguments.of("R44 Status: 1000", new byte[][] {stdout("Status: 1000\r\n\r\n"), end()}, 502),
                Arguments.of("R44 Status: abc", new byte[][] {stdout("Status: abc\r\n\r\n"), end()}, 502),
                Arguments.of("R44 Status: 200OK", new byte[][] {stdout("Status: 200OK\r\n\r\n"), end()}, 502),
                Arguments.of("R44 two Status lines", new byte[][] {
                        stdout("Status: 200\r\nStatus: 404\r\n\r\n"), end()}, 502),
                Arguments.of("R44 final 100", new byte[][] {stdout("Status: 100 Continue\r\n\r\n"), end()}, 502),
                Arguments.of("R44 final 103", new byte[][] {stdout("Status: 103\r\n\r\n"), end()}, 502),
                Arguments.of("R46 Content-Length: -1", new byte[][] {
                        stdout("Content-Length: -1\r\n\r\nabc"), end()}, 502),
                Arguments.of("R46 Content-Length: foo", new byte[][] {
                        stdout("Content-Length: foo\r\n\r\nabc"), end()}, 502),
                Arguments.of("R46 two Content-Length", new byte[][] {
                        stdout("Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc"), end()}, 502));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("refusedAnswers")
    void brokenAnswerIsRefused(String name, byte[][] script, int status) throws Exception {
        evil.script(script);
        RawClient.Response r = ask("/x.evil");
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.bodyText()).doesNotContain("hello");
        if (status == 503) {
            assertThat(r.header("retry-after")).isNotNull();
        }
    }

    @Test
    void R44_statusAndLocation() throws Exception {
        evil.script(stdout("Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnope"), end());
        RawClient.Response r = ask("/x.evil");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.bodyText()).isEqualTo("nope");

        evil.script(stdout("Location: https://elsewhere.example/x\r\n\r\n"), end());
        r = ask("/x.evil");
        assertThat(r.status()).isEqualTo(302);
        assertThat(r.header("location")).isEqualTo("https://elsewhere.example/x");

        evil.script(stdout("Status: 204\r\nContent-Length: 5\r\n\r\nbody!"), end());
        try (RawClient c = gateway.connect()) {
            r = c.send("GET /x.evil HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(204);
            assertThat(r.header("content-length")).isNull();
            evil.script(stdout("Status: 304\r\n\r\nbody!"), end());
            r = c.send("GET /x.evil HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(304);
            assertThat(r.header("content-length")).isNull();
            // No stray body bytes: the next response on the connection parses.
            r = c.send("GET /static.txt HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.bodyText()).isEqualTo("static\n");
        }
    }

    @Test
    void localRedirectIsServedByTheRouter() throws Exception {
        evil.script(stdout("Location: /static.txt\r\n\r\n"), end());
        RawClient.Response r = ask("/x.evil");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("static\n");
    }

    @Test
    void hopByHopFieldsAreDroppedAndContentTypeDefaults() throws Exception {
        evil.script(stdout("Connection: close, x\r\nKeep-Alive: 5\r\nTransfer-Encoding: chunked\r\nUpgrade: h2c\r\n"
                + "Proxy-Authenticate: y\r\nX-App: 1\r\n\r\nhi"), end());
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("GET /x.evil HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-app")).isEqualTo("1");
            assertThat(r.header("content-type")).isEqualTo("text/html");
            assertThat(r.headers()).doesNotContainKeys("keep-alive", "upgrade", "proxy-authenticate", "connection");
            assertThat(r.bodyText()).isEqualTo("hi");
            assertThat(c.send("GET /static.txt HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
        }
    }

    @Test
    void R46_contentLengthIsExact() throws Exception {
        evil.script(stdout("Content-Length: 8\r\n\r\n" + "x".repeat(21)), end());
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("GET /x.evil HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.bodyText()).isEqualTo("xxxxxxxx");
            evil.script(stdout("Content-Length: 0\r\n\r\nbody"), end());
            r = c.send("GET /x.evil HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.body()).isEmpty();
            assertThat(c.send("GET /static.txt HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
        }
        evil.script(stdout("Content-Length: 100\r\n\r\n" + "y".repeat(27)), end());
        String raw = askUntilClose("/x.evil");
        assertThat(raw).startsWith("HTTP/1.1 200").contains("Content-Length: 100");
        assertThat(raw.substring(raw.indexOf("\r\n\r\n") + 4)).isEqualTo("y".repeat(27));
    }

    @Test
    void aResponseWhoseEndCameWithItsHeadGetsAContentLength() throws Exception {
        evil.script(stdout("Content-Type: text/plain\r\n\r\nhello"), end());
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("GET /x.evil HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("content-length")).isEqualTo("5");
            assertThat(r.headers()).doesNotContainKey("transfer-encoding");
            assertThat(r.bodyText()).isEqualTo("hello");
            evil.script(stdout("Status: 404 Not Found\r\n\r\n"), end());
            r = c.send("GET /x.evil HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.header("content-length")).isEqualTo("0");
            assertThat(c.send("GET /static.txt HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
        }
    }

    @Test
    void anHttp10ClientKeepsItsConnectionWhenTheWholeResponseCameAtOnce() throws Exception {
        evil.script(stdout("Content-Type: text/plain\r\n\r\nhello"), end());
        try (RawClient c = gateway.connect()) {
            c.send("GET /x.evil HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n");
            String head = headOf(c);
            assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: 5")
                    .containsIgnoringCase("connection: keep-alive").doesNotContainIgnoringCase("transfer-encoding");
            assertThat(new String(c.socket().getInputStream().readNBytes(5), StandardCharsets.ISO_8859_1))
                    .isEqualTo("hello");
            c.send("GET /x.evil HTTP/1.0\r\nHost: a\r\n\r\n");
            assertThat(headOf(c)).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");
        }
    }

    @Test
    void aStreamedResponseGoesOutChunkedBeforeItsEnd() throws Exception {
        evil.scriptHeld(stdout("Content-Type: text/plain\r\n\r\nfirst part;"), stdout("second part"), end());
        try (RawClient c = gateway.connect()) {
            c.send("GET /x.evil HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            InputStream in = c.socket().getInputStream();
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains("first part;")) { // the socket times out after 10 s if it never comes
                int b = in.read();
                assertThat(b).as("closed before the first part: " + seen).isNotEqualTo(-1);
                seen.append((char) b);
            }
            assertThat(seen.toString()).startsWith("HTTP/1.1 200").contains("transfer-encoding: chunked")
                    .doesNotContainIgnoringCase("content-length");
            evil.release();
            seen.append(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
            assertThat(seen.toString()).contains("second part").endsWith("0\r\n\r\n");
        } finally {
            evil.release();
        }
    }

    @Test
    void aLargeResponseIsChunkedEvenWhenItsEndCameAtOnce() throws Exception {
        String big = "b".repeat(64 * 1024 + 1000); // past what the gateway holds to frame with a length
        evil.script(stdout("Content-Type: text/plain\r\n\r\n" + big), end());
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("GET /x.evil HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(r.bodyText()).isEqualTo(big);
        }
    }

    /** Reads a response head byte by byte (so the body stays in the socket), up to its blank line. */
    private static String headOf(RawClient c) throws IOException {
        InputStream in = c.socket().getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).as("closed in the head: " + head).isNotEqualTo(-1);
            head.append((char) b);
        }
        return head.toString();
    }

    @Test
    void R48_backendClosingMidBodyCutsTheClientOff() throws Exception {
        evil.script(stdout("Content-Type: text/plain\r\n\r\n"), stdout("z".repeat(50_000)));
        String raw = askUntilClose("/x.evil");
        assertThat(raw).startsWith("HTTP/1.1 200").contains("transfer-encoding: chunked")
                .doesNotEndWith("0\r\n\r\n");
    }

    @Test
    void R49_stderrIsLoggedAndTheBodyIsIntact() throws Exception {
        evil.script(stderr("line one\r\n[error] fake line\n\u001b[31mred\u0000nul\n"), stdout("\r\nbody"),
                stderr("x".repeat(20_000) + "\n"), end());
        RawClient.Response r = ask("/x.evil");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("body");
    }

    @Test
    void R61_refusedAndMissingSocketAre502() throws Exception {
        assertThat(ask("/x.refused").status()).isEqualTo(502);
        assertThat(ask("/x.missing").status()).isEqualTo(502);
    }
}
