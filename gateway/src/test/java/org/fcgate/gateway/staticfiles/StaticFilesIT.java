package org.fcgate.gateway.staticfiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.support.GatewayExtension;
import org.fcgate.gateway.support.RawClient;
import org.fcgate.gateway.support.TestSite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Static files and path resolution over the wire: validators, ranges, gzip, traversal (R25, R26, R28, R32). */
class StaticFilesIT {

    private static GatewayExtension gateway;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayExtension.start(root -> TestSite.config(root, HttpLimits.defaults(), Timeouts.defaults()));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @AfterEach
    void canary() throws Exception {
        gateway.canary();
    }

    private static HttpResponse<byte[]> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path));
    }

    @Test
    void keepAliveConnectionServesSeveralRequests() throws Exception {
        try (RawClient c = gateway.connect()) {
            for (String p : new String[] {"/a.txt", "/b.txt", "/docs/", "/a.txt"}) {
                RawClient.Response r = c.send("GET " + p + " HTTP/1.1\r\nHost: a\r\n\r\n").read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.closes()).isFalse();
            }
        }
    }

    @Test
    void fileWithTypeValidatorsAndConditional304() throws Exception {
        HttpResponse<byte[]> r = send(get("/index.html"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("<h1>index</h1>\n");
        assertThat(r.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        String etag = r.headers().firstValue("etag").orElseThrow();
        String lastModified = r.headers().firstValue("last-modified").orElseThrow();

        assertThat(send(get("/index.html").header("If-None-Match", etag)).statusCode()).isEqualTo(304);
        assertThat(send(get("/index.html").header("If-None-Match", "\"other\"")).statusCode()).isEqualTo(200);
        assertThat(send(get("/index.html").header("If-Modified-Since", lastModified)).statusCode()).isEqualTo(304);
    }

    @Test
    void singleRangeIs206AndUnsatisfiableIs416AndSeveralRangesAre200() throws Exception {
        HttpResponse<byte[]> part = send(get("/big.txt").header("Range", "bytes=10-25"));
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(new String(part.body(), StandardCharsets.US_ASCII)).isEqualTo(TestSite.BIG_TEXT.substring(10, 26));
        assertThat(part.headers().firstValue("content-range"))
                .hasValue("bytes 10-25/" + TestSite.BIG_TEXT.length());

        HttpResponse<byte[]> suffix = send(get("/big.txt").header("Range", "bytes=-4"));
        assertThat(new String(suffix.body(), StandardCharsets.US_ASCII)).isEqualTo("cdef");

        HttpResponse<byte[]> none = send(get("/big.txt").header("Range", "bytes=999999-"));
        assertThat(none.statusCode()).isEqualTo(416);
        assertThat(none.headers().firstValue("content-range")).hasValue("bytes */" + TestSite.BIG_TEXT.length());

        HttpResponse<byte[]> multi = send(get("/big.txt").header("Range", "bytes=0-1,5-6"));
        assertThat(multi.statusCode()).isEqualTo(200);
        assertThat(multi.body()).hasSize(TestSite.BIG_TEXT.length());
    }

    @Test
    void compressibleFileIsGzippedWhenAccepted() throws Exception {
        HttpResponse<byte[]> r = send(get("/big.txt").header("Accept-Encoding", "br, gzip;q=0.8"));
        assertThat(r.headers().firstValue("content-encoding")).hasValue("gzip");
        assertThat(r.headers().firstValue("vary")).hasValueSatisfying(v -> assertThat(v).containsIgnoringCase(
                "accept-encoding"));
        assertThat(r.body().length).isLessThan(TestSite.BIG_TEXT.length() / 10);
        try (GZIPInputStream z = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
            assertThat(new String(z.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo(TestSite.BIG_TEXT);
        }
        HttpResponse<byte[]> refused = send(get("/big.txt").header("Accept-Encoding", "gzip;q=0"));
        assertThat(refused.headers().firstValue("content-encoding")).isEmpty();
    }

    @Test
    void chunkedRequestBodyFromHttpClientIsReadAndAnswered() throws Exception {
        HttpRequest.BodyPublisher chunked = HttpRequest.BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream("x".repeat(20_000).getBytes(StandardCharsets.US_ASCII)));
        HttpResponse<byte[]> r = send(get("/sub/test.php").POST(chunked));
        assertThat(r.statusCode()).isEqualTo(502); // phase 1: script found, no upstream configured
    }

    @Test
    void directoryWithoutSlashRedirectsAndWithSlashServesIndex() throws Exception {
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("GET /docs?x=1 HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(301);
            assertThat(r.header("location")).isEqualTo("/docs/?x=1");
            assertThat(c.send("GET /docs/ HTTP/1.1\r\nHost: a\r\n\r\n").read().bodyText()).isEqualTo("<h1>docs</h1>\n");
        }
    }

    @Test
    void copyingThroughUserSpaceWhenSendfileIsOff() throws Exception {
        try (GatewayExtension noSendfile = GatewayExtension.start(root -> TestSite.config(root,
                HttpLimits.defaults(), Timeouts.defaults()).withStaticOptions(
                StaticOptions.defaults().withSendfile(false)));
             RawClient c = noSendfile.connect()) {
            assertThat(c.send("GET /big.txt HTTP/1.1\r\nHost: a\r\n\r\n").read().bodyText())
                    .isEqualTo(TestSite.BIG_TEXT);
            RawClient.Response part = c.send("GET /big.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=16-31\r\n\r\n").read();
            assertThat(part.bodyText()).isEqualTo("0123456789abcdef");
        }
    }

    static Stream<Arguments> hostilePaths() {
        Set<Integer> refused = Set.of(400, 404);
        return Stream.of(
                // R28 traversal table
                Arguments.of("/../../etc/passwd", refused),
                Arguments.of("/%2e%2e/%2e%2e/etc/passwd", refused),
                Arguments.of("/..%2f..%2fetc%2fpasswd", refused),
                Arguments.of("/%252e%252e/%252e%252e/etc/passwd", refused),
                Arguments.of("/.%2e/.%2e/etc/passwd", refused),
                Arguments.of("/..\\..\\etc\\passwd", refused),
                Arguments.of("/%c0%ae%c0%ae/etc/passwd", Set.of(400)),
                Arguments.of("/foo/..;/..;/etc/passwd", refused),
                Arguments.of("/static/../../../etc/passwd", refused),
                Arguments.of("/a%2Fb.txt", Set.of(404)),
                Arguments.of("/%zz", Set.of(400)),
                Arguments.of("/../../etc/passwd.php", refused),
                Arguments.of("/escape.txt", Set.of(404)),
                Arguments.of("/.env", Set.of(404)),
                // R25: an upload never runs as a script
                Arguments.of("/uploads/avatar.jpg/x.php", Set.of(404)),
                Arguments.of("/uploads/avatar.jpg/.php", Set.of(404)),
                Arguments.of("/uploads/avatar.jpg%2fx.php", Set.of(404)),
                Arguments.of("/uploads/evil.php", Set.of(404)),
                // R26: NUL and space
                Arguments.of("/uploads/avatar.jpg%00.php", Set.of(400)),
                Arguments.of("/uploads/avatar.jpg%20.php", Set.of(404)),
                Arguments.of("/uploads/avatar.jpg.php", Set.of(404)),
                // R32: a missing script is 404 from the gateway
                Arguments.of("/nope.php", Set.of(404)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostilePaths")
    void R25_R26_R28_R32_hostilePathsNeverLeaveTheRootOrRunUploads(String path, Set<Integer> statuses)
            throws Exception {
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isIn(statuses);
            assertThat(r.bodyText()).doesNotContain("PWN", "root:", gateway.root().toString());
        }
    }

    @Test
    void R26_rawNulAndSpaceInRequestLineIs400() throws Exception {
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("GET /uploads/avatar.jpg \u0000.php HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(400);
            assertThat(c.readAllUntilClose()).isEmpty();
        }
    }

    @Test
    void R25_uploadIsServedAsStaticImage() throws Exception {
        HttpResponse<byte[]> r = send(get("/uploads/avatar.jpg"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("image/jpeg");
    }

    @Test
    void R28_dotDotNormalisesToTheParentDirectory() throws Exception {
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("GET /foo/bar/.. HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("<h1>foo</h1>\n");
        }
    }

    @Test
    void scriptWithPathInfoReachesTheUpstreamSeam() throws Exception {
        HttpResponse<byte[]> r = send(get("/sub/test.php/foo/bar"));
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(new String(r.body(), StandardCharsets.US_ASCII)).contains("no upstream configured");
    }

    /** A whole response as bytes, its Date line removed (it may differ by a second). */
    private static String raw(int port, String request) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            return text.replaceFirst("(?m)^date: [^\\r]*\\r\\n", "");
        }
    }

    @Test
    void aCachedFileGoesOutByteForByteAsWithoutTheCache() throws Exception {
        try (GatewayExtension uncached = GatewayExtension.start(root -> TestSite.config(root,
                HttpLimits.defaults(), Timeouts.defaults()).withStaticOptions(
                StaticOptions.defaults().withOpenFileCache(Duration.ZERO, 1)))) {
            String text = "same bytes, gzipped when asked\n".repeat(40);
            Files.writeString(gateway.root().resolve("same.txt"), text);
            Files.writeString(uncached.root().resolve("same.txt"), text);
            for (String name : new String[] {"same.txt", "big.txt"}) {
                Files.setLastModifiedTime(uncached.root().resolve(name),
                        Files.getLastModifiedTime(gateway.root().resolve(name)));
            }
            for (String request : new String[] {
                    "GET /same.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                    "HEAD /same.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                    "GET /same.txt HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
                    "HEAD /same.txt HTTP/1.1\r\nHost: a\r\nAccept-Encoding: br, gzip\r\nConnection: close\r\n\r\n",
                    "GET /same.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /same.txt HTTP/1.0\r\n\r\n",
                    "GET /big.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"}) {
                raw(gateway.port(), request); // the first one fills the cache
                String cached = raw(gateway.port(), request);
                assertThat(cached).startsWith("HTTP/1.").contains("etag: ").isEqualTo(raw(uncached.port(), request));
                if (request.contains("gzip")) {
                    assertThat(cached).contains("content-encoding: gzip\r\n");
                }
            }
        }
    }

    @Test
    void R28_aCachedFileReplacedByASymlinkOutsideNeverServesTheTarget() throws Exception {
        Path file = gateway.root().resolve("swapped.txt");
        Files.writeString(file, "inside\n");
        try (RawClient c = gateway.connect()) {
            assertThat(c.send("GET /swapped.txt HTTP/1.1\r\nHost: a\r\n\r\n").read().bodyText())
                    .isEqualTo("inside\n");
        }
        Files.delete(file);
        Files.createSymbolicLink(file, Path.of("/etc/hostname"));
        String hostname = Files.readString(Path.of("/etc/hostname"));
        // Until the cached resolution expires (1 s by default) the old bytes may be served, never the target's.
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            try (RawClient c = gateway.connect()) {
                RawClient.Response r = c.send("GET /swapped.txt HTTP/1.1\r\nHost: a\r\n\r\n").read();
                if (r.status() != 404) {
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(r.bodyText()).isEqualTo("inside\n").isNotEqualTo(hostname);
                }
                return r.status() == 404;
            }
        });
    }
}
