package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.support.CollidingNames;
import org.fcgate.gateway.support.ForwardingGateway;
import org.fcgate.gateway.support.PoolsGateway;
import org.fcgate.gateway.support.RawClient;
import org.fcgate.gateway.support.Resources;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.pool.Pool;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The forwarder against a managed pool of the sample legacy app (fd 0 convention): two children for {@code .app}
 * (request_timeout 3 s) and one child with a queue of one for {@code .one}. After every case: a canary on a fresh
 * connection, no busy child left, no more live children than configured.
 */
class ManagedPoolForwardIT {

    private static final String SCRIPT = "legacy app script\n";

    private static PoolsGateway fixture;
    private static Pool pool;
    private static Pool tiny;
    private static ForwardingGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        fixture = PoolsGateway.builder("fcgate-fwd")
                .pool("legacy", ".app", TestPools.legacyAppPool("legacy", 2).requestTimeout(Duration.ofSeconds(3)))
                .pool("tiny", ".one", TestPools.legacyAppPool("tiny", 1)
                        .queueMax(1).queueTimeout(Duration.ofSeconds(20)).retryAfter(Duration.ofSeconds(7)))
                .file("sub/env.app", SCRIPT).file("env.app", SCRIPT).file("q.one", SCRIPT)
                .limits(new HttpLimits(8192, 128 * 1024, 100, 16 * 1024 * 1024, 1024))
                .start();
        pool = fixture.pool("legacy");
        tiny = fixture.pool("tiny");
        gateway = fixture.gateway();
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeInOrder(fixture);
    }

    @AfterEach
    void invariants() throws Exception {
        fixture.invariants();
        // A replaced child may still be between SIGTERM and its reaping for a moment.
        await().atMost(Duration.ofSeconds(10)).until(() ->
                ProcessHandle.current().children().filter(ProcessHandle::isAlive).count() <= 3);
    }

    private static long served(Pool p) {
        return p.snapshot().counters().leases();
    }

    private static String get(String target, String... headerLines) throws Exception {
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("GET " + target + " HTTP/1.1\r\nHost: app.example\r\n"
                    + String.join("", headerLines) + "\r\n").read();
            assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
            return r.bodyText();
        }
    }

    @Test
    void R19_pathInfoQueryAndHeaders() throws Exception {
        String body = get("/sub/env.app/foo/bar?q=1%202&x", "X-Foo: a\r\n", "X-Foo: a\r\n", "X-Foo: a\r\n",
                "Cookie: a=1\r\n", "Cookie: b=2\r\n");
        String root = gateway.root().toRealPath().toString();
        assertThat(body).contains("\nSCRIPT_NAME=/sub/env.app\n", "\nPATH_INFO=/foo/bar\n",
                "\nPATH_TRANSLATED=" + root + "/foo/bar\n", "\nQUERY_STRING=q=1%202&x\n",
                "\nREQUEST_URI=/sub/env.app/foo/bar?q=1%202&x\n", "\nSCRIPT_FILENAME=" + root + "/sub/env.app\n",
                "GATEWAY_INTERFACE=CGI/1.1\n", "\nREMOTE_ADDR=127.0.0.1\n", "\nHTTP_X_FOO=a, a, a\n",
                "\nHTTP_COOKIE=a=1; b=2\n", "\nSERVER_NAME=app.example\n")
                .doesNotContain("CONTENT_LENGTH", "CONTENT_TYPE");
        assertThat(get("/sub/env.app")).doesNotContain("PATH_INFO", "PATH_TRANSLATED");
    }

    /**
     * R15 at the limit: Host and 99 headers whose names collide in {@code String.hashCode}, as sent and as CGI names
     * ({@link CollidingNames}), fill the header-count limit exactly (100 lines). The gateway's CGI environment and the
     * child's parameter map take them all; each reaches the child once, with its own value.
     */
    @Test
    void R15_headerNamesCollidingInStringHashCodeUpToTheCountLimitReachTheChildEachOnce() throws Exception {
        List<String> names = CollidingNames.of(99);
        String body = get("/env.app", names.stream().map(n -> n + ": v-" + n + "\r\n").toArray(String[]::new));
        assertThat(body.lines().filter(l -> l.startsWith("HTTP_AO") || l.startsWith("HTTP_B0")))
                .containsExactlyInAnyOrderElementsOf(names.stream().map(n -> "HTTP_" + n + "=v-" + n).toList());
    }

    @Test
    void postFormBody() throws Exception {
        String form = "name=fcgate&lang=java";
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("POST /env.app HTTP/1.1\r\nHost: a\r\nContent-Type: "
                    + "application/x-www-form-urlencoded\r\nContent-Length: " + form.length() + "\r\n\r\n" + form).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat("\n" + r.bodyText()).contains("\nCONTENT_LENGTH=" + form.length() + "\n",
                    "\nCONTENT_TYPE=application/x-www-form-urlencoded\n", "\nREQUEST_METHOD=POST\n",
                    "body-sha256=" + sha256(form.getBytes(StandardCharsets.US_ASCII)));
        }
    }

    @Test
    void oneMebibyteBodyArrivesIntact() throws Exception {
        byte[] body = new byte[1024 * 1024];
        new Random(42).nextBytes(body);
        try (RawClient c = gateway.connect()) {
            c.send("POST /env.app HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length + "\r\n\r\n").send(body);
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).contains("body-length=1048576\n", "body-sha256=" + sha256(body));
        }
    }

    @Test
    void chunkedBodyGetsItsContentLength() throws Exception {
        byte[] body = new byte[300_000];
        new Random(7).nextBytes(body);
        try (RawClient c = gateway.connect()) {
            c.send("POST /env.app HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int off = 0; off < body.length; off += 50_000) {
                c.send(Integer.toHexString(50_000) + "\r\n").send(java.util.Arrays.copyOfRange(body, off, off + 50_000))
                        .send("\r\n");
            }
            RawClient.Response r = c.send("0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat("\n" + r.bodyText()).contains("\nCONTENT_LENGTH=300000\n", "body-sha256=" + sha256(body));
        }
    }

    @Test
    void largeResponseToASlowReaderReleasesTheChildFirst() throws Exception {
        int size = 10_000_000;
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(32 * 1024);
            s.connect(new InetSocketAddress("127.0.0.1", gateway.port()));
            s.getOutputStream().write(("GET /env.app?size=" + size + " HTTP/1.1\r\nHost: a\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] first = in.readNBytes(64 * 1024);
            // The reader has taken 64 KiB of 10 MB; the child must already be free.
            await().atMost(Duration.ofSeconds(20)).until(() -> pool.snapshot().count(ChildState.BUSY) == 0);
            String head = new String(first, StandardCharsets.ISO_8859_1);
            int bodyStart = head.indexOf("\r\n\r\n") + 4;
            assertThat(head).startsWith("HTTP/1.1 200").contains("Content-Length: " + size);
            long total = first.length - bodyStart;
            long index = 0;
            for (int i = bodyStart; i < first.length; i++, index++) {
                assertThat(first[i]).isEqualTo((byte) ('a' + index % 26));
            }
            byte[] buf = new byte[65536];
            while (total < size) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, size - total));
                assertThat(n).isPositive();
                for (int i = 0; i < n; i++, index++) {
                    if (buf[i] != (byte) ('a' + index % 26)) {
                        throw new AssertionError("byte " + index + " differs");
                    }
                }
                total += n;
            }
            assertThat(total).isEqualTo(size);
        }
    }

    @Test
    void R16_headGetsNoBodyAndTheConnectionGoesOn() throws Exception {
        long before = served(pool);
        long broken = pool.snapshot().counters().exits(ExitReason.BROKEN);
        try (RawClient c = gateway.connect()) {
            RawClient.Response head = c.send("HEAD /env.app?size=1000000 HTTP/1.1\r\nHost: a\r\n\r\n").read(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).isEqualTo("1000000");
            RawClient.Response next = c.send("GET /env.app HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.bodyText()).contains("REQUEST_METHOD=GET");
        }
        await().until(() -> served(pool) == before + 2);
        assertThat(pool.snapshot().counters().exits(ExitReason.BROKEN)).as("no child broken by HEAD")
                .isEqualTo(broken);
    }

    @Test
    void R17_proxyHeaderNeverReachesTheChild() throws Exception {
        String body = get("/env.app", "Proxy: http://attacker:8080\r\n", "proxy: x\r\n", "Foo: BAR\r\n");
        assertThat(body).contains("\nHTTP_FOO=BAR\n").doesNotContain("HTTP_PROXY", "attacker");
    }

    @Test
    void R22_paramsOverTheLimitAre431BeforeAnyBackendContact() throws Exception {
        String body = get("/env.app", "X-Small: " + "s".repeat(200) + "\r\n", "X-Big: " + "b".repeat(40_000) + "\r\n",
                "X-" + "n".repeat(128) + ": long name\r\n");
        assertThat(body).contains("\nHTTP_X_SMALL=" + "s".repeat(200) + "\n", "\nHTTP_X_BIG=" + "b".repeat(40_000) + "\n",
                "\nHTTP_X_" + "N".repeat(128) + "=long name\n");
        long before = served(pool);
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("GET /env.app HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(40_000)
                    + "\r\nX-Big-Too: " + "b".repeat(40_000) + "\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(431);
            assertThat(r.closes()).isFalse();
            RawClient.Response next = c.send("GET /env.app HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(next.status()).isEqualTo(200);
        }
        assertThat(served(pool)).as("the 431 never leased a child").isEqualTo(before + 1);
    }

    @Test
    void R32_missingScriptIs404WithoutDispatch() throws Exception {
        long before = served(pool);
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("GET /nope.app HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.bodyText()).doesNotContain(gateway.root().toString());
        }
        assertThat(served(pool)).isEqualTo(before);
    }

    @Test
    void R48_crashMidResponseAbortsTheClientConnection() throws Exception {
        try (RawClient c = gateway.connect()) {
            c.send("GET /env.app?crash=after HTTP/1.1\r\nHost: a\r\n\r\n");
            byte[] all = c.socket().getInputStream().readAllBytes();
            String text = new String(all, StandardCharsets.ISO_8859_1);
            assertThat(text).startsWith("HTTP/1.1 200").contains("partial response, then a crash")
                    .contains("transfer-encoding: chunked").doesNotEndWith("0\r\n\r\n");
        }
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("GET /env.app?crash=before HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(502);
        }
    }

    @Test
    void R51_clientAbortFreesTheChild() throws Exception {
        List<RawClient> clients = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            clients.add(gateway.connect().send("GET /env.app?sleep=30000 HTTP/1.1\r\nHost: a\r\n\r\n"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.snapshot().count(ChildState.BUSY) == 2);
        for (RawClient c : clients) {
            c.close();
        }
        // Freed (aborted and replaced) long before the 30 s sleep or the 3 s request timeout would end it.
        await().atMost(Duration.ofSeconds(2)).until(() -> pool.snapshot().count(ChildState.BUSY) == 0);
    }

    @Test
    void R52_requestTimeoutIs504() throws Exception {
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("GET /env.app?sleep=20000 HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(504);
        }
    }

    @Test
    void R60_queueOverflowIs503WithRetryAfter() throws Exception {
        try (RawClient busy = gateway.connect(); RawClient queued = gateway.connect();
             RawClient refused = gateway.connect()) {
            busy.send("GET /q.one?sleep=6000 HTTP/1.1\r\nHost: a\r\n\r\n");
            await().until(() -> tiny.snapshot().count(ChildState.BUSY) == 1);
            queued.send("GET /q.one HTTP/1.1\r\nHost: a\r\n\r\n");
            await().until(() -> tiny.snapshot().counters().queueLength() == 1);
            RawClient.Response r = refused.send("GET /q.one HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("retry-after")).isEqualTo("7");
            assertThat(busy.read().status()).isEqualTo(200);
            assertThat(queued.read().status()).isEqualTo(200);
        }
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
