package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fcgate.gateway.support.RawClient;
import org.fcgate.gateway.support.TestPools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R75, with the gateway as users run it: {@code java -jar target/fcgate.jar run --config FILE} in a child JVM, a
 * static pool of the sample app, requests in flight and idle keep-alive connections, then {@code kill -TERM}.
 * First: one signal drains (listener closed, in-flight requests answered 200 with {@code Connection: close}, idle
 * connections closed, children reaped, exit 0). Second: two signals abort what is left and count it in the log.
 */
class ShutdownR75IT {

    private static final Pattern PORT = Pattern.compile(" on port (\\d+)");
    private static final Pattern ADMIN_PORT = Pattern.compile("admin listening on /127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    private Process gateway;
    private final List<RawClient> clients = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() throws Exception {
        for (RawClient c : clients) {
            c.close();
        }
        if (gateway != null) {
            gateway.destroyForcibly().waitFor();
        }
    }

    @Test
    void oneSigtermDrainsInFlightRequestsClosesIdleConnectionsAndExitsZero() throws Exception {
        Started g = start(10, "30s");
        List<RawClient> idle = keepAliveConnections(g.port, 20);
        List<RawClient> busy = inFlight(g, 10, 4000);
        List<Long> children = childPids(g.adminPort);
        assertThat(children).hasSize(10);

        signal("TERM");

        awaitRefused(g.port);
        for (RawClient c : idle) {
            assertThat(c.closedWithin(5_000)).as("idle keep-alive connection closed").isTrue();
        }
        for (RawClient c : busy) {
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).contains("QUERY_STRING=sleep=4000");
            assertThat(r.closes()).as("Connection: close during the drain").isTrue();
            assertThat(c.closedWithin(5_000)).isTrue();
        }
        assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(gateway.exitValue()).isZero();
        assertNoChildLeft(children);
        String log = Files.readString(dir.resolve("gateway.log"));
        assertThat(log).contains("SIGTERM received: draining", "draining: 10 requests in flight")
                .doesNotContain("requests aborted");
    }

    @Test
    void aSecondSigtermAbortsWhatIsLeftCountsItAndStillExitsZero() throws Exception {
        Started g = start(4, "60s");
        List<RawClient> busy = inFlight(g, 4, 60_000);
        List<Long> children = childPids(g.adminPort);

        signal("TERM");
        awaitRefused(g.port);
        signal("TERM");

        for (RawClient c : busy) {
            assertThatThrownBy(c::read).as("cut off without a response").isInstanceOf(IOException.class);
        }
        assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(gateway.exitValue()).as("a stop that was asked for").isZero();
        assertNoChildLeft(children);
        assertThat(Files.readString(dir.resolve("gateway.log"))).contains("4 requests aborted (second signal)");
    }

    private record Started(int port, int adminPort) {
    }

    /** The gateway with a static pool of {@code children} sample apps; returns once every child is idle. */
    private Started start(int children, String shutdownTimeout) throws Exception {
        Path www = Files.createDirectory(dir.resolve("www"));
        Files.writeString(www.resolve("hello.txt"), "hello\n");
        Files.writeString(www.resolve("s.app"), "script\n");
        Path config = Files.writeString(dir.resolve("fcgate.yaml"), """
                listen: 127.0.0.1:0
                root: www
                shutdown_timeout: %s
                pools:
                  app:
                    command: %s
                    pm: static
                    max_children: %d
                    queue_timeout: 60s
                    spawn_timeout: 60s
                routes:
                  - match: {extension: .app}
                    fastcgi: {upstream: app, script_extensions: [.app]}
                  - match: {prefix: /}
                    static: {}
                """.formatted(shutdownTimeout, TestPools.legacyAppYaml(), children));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path log = dir.resolve("gateway.log");
        gateway = new ProcessBuilder(java.toString(), "-jar", Path.of("target", "fcgate.jar").toString(), "run",
                "--config", config.toString(), "--admin", "0")
                .redirectError(log.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(gateway.getInputStream(),
                StandardCharsets.UTF_8));
        String line = out.readLine();
        assertThat(line).as("first line of stdout; log: %s", log).isNotNull();
        Matcher m = PORT.matcher(line);
        assertThat(m.find()).as(line).isTrue();
        int port = Integer.parseInt(m.group(1));
        Matcher a = ADMIN_PORT.matcher(Files.readString(log));
        assertThat(a.find()).as("admin port in the log").isTrue();
        int adminPort = Integer.parseInt(a.group(1));
        await().atMost(Duration.ofSeconds(60)).until(() -> status(adminPort).get("idle processes").asInt()
                == children);
        return new Started(port, adminPort);
    }

    private List<RawClient> keepAliveConnections(int port, int n) throws IOException {
        List<RawClient> idle = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RawClient c = client(port);
            RawClient.Response r = c.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.closes()).isFalse();
            idle.add(c);
        }
        return idle;
    }

    /** {@code n} requests sleeping {@code millis} in the app; returns once every one holds a child. */
    private List<RawClient> inFlight(Started g, int n, int millis) throws Exception {
        List<RawClient> busy = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            busy.add(client(g.port).send("GET /s.app?sleep=" + millis + " HTTP/1.1\r\nHost: t\r\n\r\n"));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> status(g.adminPort).get("active processes").asInt() == n);
        return busy;
    }

    private RawClient client(int port) throws IOException {
        RawClient c = new RawClient(port);
        c.socket().setSoTimeout(70_000);
        clients.add(c);
        return c;
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(gateway.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    private static void awaitRefused(int port) {
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return false;
            } catch (ConnectException e) {
                return true;
            }
        });
    }

    private JsonNode status(int adminPort) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + adminPort + "/status?json&full")).build(),
                HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(r.body());
    }

    private List<Long> childPids(int adminPort) throws Exception {
        List<Long> pids = new ArrayList<>();
        status(adminPort).get("processes").forEach(p -> pids.add(p.get("pid").asLong()));
        return pids;
    }

    /** Neither running nor a zombie: no /proc entry is left for any of them. */
    private static void assertNoChildLeft(List<Long> pids) {
        await().atMost(Duration.ofSeconds(10)).until(() -> pids.stream()
                .noneMatch(pid -> Files.exists(Path.of("/proc", Long.toString(pid)))));
    }
}
