package org.fcgate.gateway.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.fastcgi.FastCgiUpstream;
import org.fcgate.gateway.fastcgi.FastCgiUpstreamOptions;
import org.fcgate.gateway.http.HttpServer;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.route.PathMatcher;
import org.fcgate.gateway.route.Route;
import org.fcgate.gateway.support.ForwardingGateway;
import org.fcgate.gateway.support.LeakTracker;
import org.fcgate.gateway.support.RawClient;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.gateway.upstream.Upstreams;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;
import org.fcgate.pool.status.ChildSnapshot;
import org.fcgate.pool.status.ChildState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The access log and the slow-request log against a managed pool of the sample app (fd 0, two children), each
 * test with its own gateway and log file: N requests give N lines with the upstream fields; R77 (rename the file
 * and send SIGUSR1 to this JVM under load: old + new lines = requests, the new file has the old mode); a request
 * past {@code slow_request_timeout} is logged once while it runs.
 */
class AccessLogIT {

    static {
        LeakTracker.install();
    }

    private static final Pattern LINE = Pattern.compile("^127\\.0\\.0\\.1 - - \\[[^]]+] \"GET /env\\.app\\?i=\\d+ "
            + "HTTP/1\\.1\" 200 \\d+ \"-\" \"[^\"]*\" upstream=legacy pid=(\\d+) queue=\\d+\\.\\d{3} "
            + "upstream_time=\\d+\\.\\d{3} rt=\\d+\\.\\d{3}$");

    static PoolManager manager;
    static Pool pool;
    static Path root;
    static GatewayConfig config;
    HttpServer server;
    AccessLogging logging;
    Path dir;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void startPool() throws Exception {
        manager = TestPools.manager();
        pool = manager.addPool(TestPools.legacyAppPool("legacy", 2)
                .build());
        root = Files.createTempDirectory("fcgate-alog");
        ForwardingGateway.write(root.resolve("env.app"), "legacy app script\n");
        DocumentRoot docRoot = DocumentRoot.open(root, false, true);
        List<Route> routes = List.of(
                new Route.FastCgi(new PathMatcher.Extension(Set.of(".app")), docRoot, Set.of(".app"), "legacy"),
                new Route.Static(new PathMatcher.Prefix("/"), docRoot, List.of("index.html"), Optional.empty()));
        config = new GatewayConfig(new ListenAddress("127.0.0.1", 0), new HttpLimits(8192, 32768, 100, 1 << 20, 1024),
                Timeouts.defaults(), StaticOptions.defaults(), routes);
        TestPools.awaitIdle(pool, 2);
    }

    @AfterAll
    static void stopPool() throws Exception {
        if (manager != null) {
            manager.close();
        }
        delete(root);
        assertThat(LeakTracker.collect()).as("Netty buffer leaks").isEmpty();
    }

    private void startGateway(AccessLogOptions options) throws Exception {
        logging = AccessLogging.start(options);
        server = HttpServer.start(config, Upstreams.of(Map.of("legacy",
                FastCgiUpstream.managed(pool, FastCgiUpstreamOptions.defaults()))),
                ExchangeRecorder.hook(logging.listeners(), logging.slowLog()));
    }

    private AccessLogOptions toFile(Path file) {
        return AccessLogOptions.defaults().withDestination(file.toString(), Path.of(""));
    }

    @AfterEach
    void stopGateway() throws Exception {
        if (server != null) {
            server.close();
        }
        if (logging != null) {
            logging.close();
        }
        if (dir != null) {
            delete(dir);
        }
        TestPools.awaitIdle(pool, 2);
    }

    @Test
    void everyRequestIsOneCombinedLineWithItsPoolAndChild() throws Exception {
        dir = Files.createTempDirectory("fcgate-alog-n");
        Path log = dir.resolve("access.log");
        startGateway(toFile(log));
        int n = 25;
        for (int i = 0; i < n; i++) {
            assertThat(get("/env.app?i=" + i)).isEqualTo(200);
        }
        await().until(() -> logging.written() == n);
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(n);
        Set<Long> pids = Set.copyOf(pool.snapshot().children().stream().map(ChildSnapshot::pid).toList());
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            assertThat(m.matches()).as(line).isTrue();
            assertThat(pids).contains(Long.parseLong(m.group(1)));
        }
        assertThat(logging.dropped()).isZero();
    }

    @Test
    void R77_renameAndSigusr1UnderLoadLoseNoLineAndKeepTheMode() throws Exception {
        dir = Files.createTempDirectory("fcgate-alog-r77");
        Path log = dir.resolve("access.log");
        Files.createFile(log, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")));
        startGateway(toFile(log));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger answered = new AtomicInteger();
        Thread load = new Thread(() -> {
            for (int i = 0; i < 5000 && !stop.get(); i++) { // bounded
                try {
                    if (get("/env.app?i=" + i) == 200) {
                        answered.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        }, "r77-load");
        load.start();
        await().until(() -> logging.written() >= 20);
        Path rotated = dir.resolve("access.log.1");
        Files.move(log, rotated);
        Process kill = new ProcessBuilder("kill", "-USR1", Long.toString(ProcessHandle.current().pid()))
                .inheritIO().start();
        assertThat(kill.waitFor()).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(log) && Files.readAllLines(log).size() >= 20);
        stop.set(true);
        load.join(30_000);
        assertThat(load.isAlive()).isFalse();
        await().until(() -> logging.written() == answered.get());

        List<String> before = Files.readAllLines(rotated);
        List<String> after = Files.readAllLines(log);
        assertThat(before.size() + after.size()).isEqualTo(answered.get());
        assertThat(before).hasSizeGreaterThanOrEqualTo(20);
        for (String line : concat(before, after)) {
            assertThat(LINE.matcher(line).matches()).as(line).isTrue(); // no line split across the two files
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log))).isEqualTo("rw-r-----");
        assertThat(logging.dropped()).isZero();
    }

    @Test
    void aRequestPastSlowRequestTimeoutIsLoggedOnceWhileItRuns() throws Exception {
        AccessLogOptions options = AccessLogOptions.off().withSlowRequestTimeout(Duration.ofMillis(300));
        startGateway(options);
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
        try (RawClient slow = new RawClient(server.port()); RawClient fast = new RawClient(server.port())) {
            fast.send("GET /env.app?i=1 HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(fast.read().status()).isEqualTo(200);
            slow.send("GET /env.app?sleep=3000&token=secret HTTP/1.1\r\nHost: a\r\n\r\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> slowLines(captured).size() == 1);
            // Logged while it runs: the child is still busy with it.
            assertThat(pool.snapshot().count(ChildState.BUSY)).isEqualTo(1);
            String line = slowLines(captured).get(0);
            long busyPid = pool.snapshot().children().stream().filter(c -> c.state() == ChildState.BUSY)
                    .findFirst().orElseThrow().pid();
            assertThat(line).contains("WARN", "upstream=legacy", "pid=" + busyPid, "method=GET", "uri=/env.app ",
                    "threshold=0.300s").doesNotContain("secret", "sleep=");
            assertThat(slow.read().status()).isEqualTo(200);
        } finally {
            System.setErr(original);
        }
        assertThat(slowLines(captured)).hasSize(1);
        assertThat(logging.slowLog().count("legacy")).isEqualTo(1);
    }

    private static List<String> slowLines(ByteArrayOutputStream captured) {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("slow request"))
                    .toList();
        }
    }

    private int get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    private static void delete(Path p) throws Exception {
        if (p == null || !Files.exists(p)) {
            return;
        }
        try (var files = Files.walk(p)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /** Writes to both streams; the capture is guarded by its own monitor. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final ByteArrayOutputStream b;

        Tee(OutputStream a, ByteArrayOutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            synchronized (b) {
                b.write(c);
            }
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            synchronized (b) {
                b.write(buf, off, len);
            }
        }
    }
}
