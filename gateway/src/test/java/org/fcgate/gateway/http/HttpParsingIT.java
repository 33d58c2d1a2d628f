package org.fcgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.stream.Stream;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.support.GatewayExtension;
import org.fcgate.gateway.support.RawClient;
import org.fcgate.gateway.support.TestSite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile request heads (RELIABILITY R1, R2, R4, R5, R6, R9), sent with a raw socket. Each case is followed in the
 * same write by a valid request; the expectation is always "refused with Connection: close, then the connection
 * closes and nothing after the fault is answered" — the smuggled request must never produce a second response.
 */
class HttpParsingIT {

    private static final String SMUGGLED = "GET /static.txt HTTP/1.1\r\nHost: a\r\n\r\n";
    private static final Set<Integer> BAD = Set.of(400);

    private static GatewayExtension gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayExtension.start(root -> TestSite.config(root, HttpLimits.defaults(), Timeouts.defaults()));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @AfterEach
    void canary() throws Exception {
        gateway.canary();
    }

    static Stream<Arguments> hostileHeads() {
        String post = "POST /echo.php HTTP/1.1\r\nHost: a\r\n";
        return Stream.of(
                // R1: CL.TE and TE.CL
                row("R1 CL then TE", post + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", BAD),
                row("R1 TE then CL", post + "Transfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\nG", BAD),
                // R2: transfer codings
                row("R2 identity", post + "Transfer-Encoding: identity\r\n\r\n", Set.of(400, 501)),
                row("R2 chunked, identity", post + "Transfer-Encoding: chunked, identity\r\n\r\n", Set.of(400, 501)),
                row("R2 gzip, chunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", Set.of(400, 501)),
                row("R2 chunked, xchunked", post + "Transfer-Encoding: chunked, xchunked\r\n\r\n0\r\n\r\n",
                        Set.of(400, 501)),
                row("R2 TE repeated", post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                        BAD),
                row("R2 TE on HTTP/1.0", "POST /echo.php HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", BAD),
                // R4: Content-Length values
                row("R4 5 then 6", post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", BAD),
                row("R4 list", post + "Content-Length: 5, 6\r\n\r\nhello!", BAD),
                row("R4 plus", post + "Content-Length: +5\r\n\r\nhello", BAD),
                row("R4 hex", post + "Content-Length: 0x5\r\n\r\nhello", BAD),
                row("R4 negative", post + "Content-Length: -1\r\n\r\n", BAD),
                row("R4 inner space", post + "Content-Length: 5 5\r\n\r\nhello", BAD),
                row("R4 overflow", post + "Content-Length: 99999999999999999999999\r\n\r\n", BAD),
                row("R4 identical twice", post + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", BAD),
                // R5: field-line syntax
                row("R5 no colon", "GET / HTTP/1.1\r\nHost: a\r\nFoo\r\n\r\n", BAD),
                row("R5 colon first", "GET / HTTP/1.1\r\nHost: a\r\n: bar\r\n\r\n", BAD),
                row("R5 space in name", "GET / HTTP/1.1\r\nHost: a\r\nFoo bar: x\r\n\r\n", BAD),
                row("R5 space before colon", "GET / HTTP/1.1\r\nHost: a\r\nFoo : x\r\n\r\n", BAD),
                row("R5 control in name", "GET / HTTP/1.1\r\nHost: a\r\nF\u0001o: x\r\n\r\n", BAD),
                row("R5 NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nFoo: b\u0000ar\r\n\r\n", BAD),
                row("R5 CR CR LF", "GET / HTTP/1.1\r\nHost: a\r\nFoo: bar\r\r\n\r\n", BAD),
                row("R5 bare CR inside", "GET / HTTP/1.1\r\nHost: a\r\nFoo: b\rar\r\n\r\n", BAD),
                row("R5 bare LF head", "GET / HTTP/1.1\nHost: a\n\n", BAD),
                row("R5 obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nFoo: a\r\n b\r\n\r\n", BAD),
                // R6: request line
                row("R6 NUL in target", "GET /\u0000 HTTP/1.1\r\nHost: a\r\n\r\n", BAD),
                row("R6 fragment", "GET /#frag HTTP/1.1\r\nHost: a\r\n\r\n", BAD),
                row("R6 HTTP/1.11", "GET / HTTP/1.11\r\nHost: a\r\n\r\n", Set.of(400, 505)),
                row("R6 HTTP/10.0", "GET / HTTP/10.0\r\nHost: a\r\n\r\n", Set.of(400, 505)),
                row("R6 HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", Set.of(505)),
                row("R6 HTTP/0.9", "GET /\r\n", BAD),
                row("R6 lower-case method", "get / HTTP/1.1\r\nHost: a\r\n\r\n", BAD),
                row("R6 double spaces", "GET  /  HTTP/1.1\r\nHost: a\r\n\r\n", BAD),
                row("R6 space in target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", BAD),
                row("R6 leading control bytes", "\u0000\u0001GET / HTTP/1.1\r\nHost: a\r\n\r\n", BAD),
                // R9: Host
                row("R9 no Host", "GET / HTTP/1.1\r\n\r\n", BAD),
                row("R9 two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", BAD),
                row("R9 slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", BAD),
                row("R9 backslash", "GET / HTTP/1.1\r\nHost: a\\b\r\n\r\n", BAD),
                row("R9 open bracket", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", BAD),
                row("R9 two ports", "GET / HTTP/1.1\r\nHost: a:80:80\r\n\r\n", BAD));
    }

    private static Arguments row(String name, String head, Set<Integer> statuses) {
        return Arguments.of(name, head, statuses);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileHeads")
    void R1_R2_R4_R5_R6_R9_hostileHeadIsRefusedAndClosed(String name, String head, Set<Integer> statuses)
            throws Exception {
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send(head + SMUGGLED).read();
            assertThat(r.status()).as(name).isIn(statuses);
            assertThat(r.closes()).as("Connection: close").isTrue();
            assertThat(c.readAllUntilClose()).as("nothing after the fault is answered").isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedHeads")
    void R9_validHostsAndTargetsAreServed(String name, String head) throws Exception {
        try (RawClient c = gateway.connect()) {
            assertThat(c.send(head).read().status()).as(name).isEqualTo(200);
        }
    }

    static Stream<Arguments> acceptedHeads() {
        return Stream.of(
                Arguments.of("HTTP/1.0 without Host", "GET /static.txt HTTP/1.0\r\n\r\n"),
                Arguments.of("IPv6 literal with port", "GET /static.txt HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"),
                Arguments.of("absolute form", "GET http://x.example/static.txt HTTP/1.1\r\nHost: y.example\r\n\r\n"),
                Arguments.of("leading empty line", "\r\nGET /static.txt HTTP/1.1\r\nHost: a\r\n\r\n"),
                Arguments.of("tab and obs-text in value", "GET /static.txt HTTP/1.1\r\nHost: a\r\nX: a\tb\u00e9\r\n\r\n"));
    }

}
