package org.fcgate.it.multihost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.fcgate.gateway.support.Resources;
import org.fcgate.it.peer.FcgateProcess;
import org.fcgate.it.peer.PeerProcess;
import org.fcgate.it.peer.SampleAppProcess;

/**
 * What the failover tests share: {@code fcgate pool} servers of sample-app children and an {@code fcgate run} gateway
 * in front of them (one {@code fastcgi_servers} group), as real processes; the {@link FailoverLoadClient}; the
 * gateway's view of its servers (its admin {@code /metrics}); the client's results and the invariants they must
 * hold. Where a process runs is the {@link Shell}'s business: in a network namespace of a {@link NetworkLab}, or on
 * this host's loopback.
 *
 * <p>Files go to {@code dir} (logs, configurations, results), left in place for a failed run to be read.
 * {@link #close} stops every process by its pid, the client first, also after a failure.
 */
final class FailoverStage implements AutoCloseable {

    /** Turns a command into one run on {@code host} (e.g. {@code ip netns exec NS …}). */
    interface Shell {
        List<String> command(String host, List<String> command);
    }

    /** A pool host: its name for the shell, and where its pool server listens. */
    record Server(String host, String address, int port) {
        String hostPort() {
            return address + ":" + port;
        }
    }

    // The gateway's failover settings, and the per-request bound they give.
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    static final int MAX_TRIES = 2;
    /** {@code max_tries × (connect_timeout + read_timeout)}, doubled for a loaded 2-core machine. */
    static final Duration REQUEST_BOUND = CONNECT_TIMEOUT.plus(READ_TIMEOUT).multipliedBy(MAX_TRIES * 2L);
    static final Duration PATIENCE = Duration.ofSeconds(60);
    /** Long enough for any scenario; the client stops earlier when the test says so. */
    private static final int MAX_REQUESTS = 20_000;

    private final Path dir;
    private final Shell shell;
    private final String gatewayHost;
    private final int httpPort;
    private final int adminPort;
    private final Deque<AutoCloseable> cleanup = new ArrayDeque<>();
    private final Path results;
    private final Path stop;
    private PeerProcess gateway;

    FailoverStage(Path dir, Shell shell, String gatewayHost, int httpPort, int adminPort) throws IOException {
        this.dir = dir;
        this.shell = shell;
        this.gatewayHost = gatewayHost;
        this.httpPort = httpPort;
        this.adminPort = adminPort;
        clean(dir);
        this.results = dir.resolve("results.txt");
        this.stop = dir.resolve("stop");
    }

    // ---- processes -------------------------------------------------------------------------------------------------

    /** {@code fcgate pool} on {@code server.host}: pool {@code app}, 2 sample-app children, on its address. */
    PeerProcess startPool(Server server) throws IOException {
        List<String> child = new ArrayList<>(SampleAppProcess.javaCommand(SampleAppProcess.newMarker()));
        child.addAll(1, List.of("-Xmx64m", "-XX:+UseSerialGC"));
        String command = child.stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", ", "[", "]"));
        String name = "pool-" + server.host() + "-" + server.port();
        Path config = Files.writeString(dir.resolve(name + ".yaml"), """
                pools:
                  app:
                    command: %s
                    pm: static
                    max_children: 2
                    max_queue: 100
                    listen: %s
                """.formatted(command, server.hostPort()));
        PeerProcess p = PeerProcess.start("fcgate pool on " + server.hostPort(),
                shell.command(server.host(), fcgate("pool", "--config", config.toString())),
                PeerProcess.baseEnvironment(), dir, dir.resolve(name + ".log"));
        cleanup.push(p);
        int startedBefore = countOf(p.log(), "fcgate: pool app on ");
        await("pool server on " + server.hostPort() + " listening").atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    assertThat(p.isAlive()).as("pool server on %s: %s", server.hostPort(), p.log()).isTrue();
                    return countOf(p.log(), "fcgate: pool app on ") > startedBefore;
                });
        return p;
    }

    /** {@code fcgate run} on the gateway host: route {@code *.app} to group {@code app} of {@code servers}. */
    PeerProcess startGateway(List<Server> servers) throws IOException {
        Path root = Files.createDirectories(dir.resolve("www"));
        Files.writeString(root.resolve("x.app"), "");
        String addresses = servers.stream().map(Server::hostPort).collect(Collectors.joining(", ", "[", "]"));
        Path config = Files.writeString(dir.resolve("gateway.yaml"), """
                listen: 127.0.0.1:%d
                root: %s
                access_log: {path: "off"}
                fastcgi_servers:
                  app:
                    addresses: %s
                    connect_timeout: %dms
                    read_timeout: %dms
                    max_tries: %d
                    max_fails: 1
                    fail_timeout: 2s
                    health_check: {interval: 500ms, timeout: 2s, rise: 2, fall: 2}
                routes:
                  - match: {extension: .app}
                    fastcgi: {upstream: app, script_extensions: [.app]}
                """.formatted(httpPort, root, addresses, CONNECT_TIMEOUT.toMillis(), READ_TIMEOUT.toMillis(),
                MAX_TRIES));
        PeerProcess p = PeerProcess.start("fcgate run", shell.command(gatewayHost, fcgate("run", "--config",
                config.toString(), "--admin", "127.0.0.1:" + adminPort)), PeerProcess.baseEnvironment(), dir,
                dir.resolve("gateway.log"));
        cleanup.push(p);
        await("gateway listening").atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> {
            assertThat(p.isAlive()).as("gateway: %s", p.log()).isTrue();
            return p.log().contains("on port " + httpPort);
        });
        gateway = p;
        await("every pool server up in the gateway's view").atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                .until(() -> servers.stream().allMatch(s -> up(s) == Up.YES) && status("warm-up") == 200);
        return p;
    }

    PeerProcess gateway() {
        return gateway;
    }

    /** The load client on the gateway host: 4 workers, {@code sleep=20}, every 5th request a POST. */
    PeerProcess startClient() {
        List<String> java = List.of(javaBin(), "-Xmx128m", "-cp", testClasses().toString(),
                FailoverLoadClient.class.getName(), "http://127.0.0.1:" + httpPort + "/x.app", results.toString(),
                stop.toString(), Integer.toString(MAX_REQUESTS), "4", Long.toString(REQUEST_BOUND.toMillis()), "20",
                "5");
        PeerProcess p = PeerProcess.start("load client", shell.command(gatewayHost, java),
                PeerProcess.baseEnvironment(), dir, dir.resolve("client.log"));
        cleanup.push(() -> {
            Files.writeString(stop, "stop");
            p.close();
        });
        return p;
    }

    /** Tells the client to start no more requests and waits until those in flight ended (bounded). */
    void stopClient(PeerProcess client) throws IOException {
        Files.writeString(stop, "stop");
        await("the load client ends").atMost(REQUEST_BOUND.plus(PATIENCE)).until(() -> !client.isAlive());
    }

    private static List<String> fcgate(String... args) {
        return FcgateProcess.jarCommand(args);
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Where the client class was loaded from: it runs from the same test classes. */
    private static Path testClasses() {
        try {
            return Path.of(FailoverLoadClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The pids below a pool server: its sample-app children, whose pid the answers carry. */
    static Set<String> children(PeerProcess pool) {
        return ProcessHandle.of(pool.pid()).stream().flatMap(ProcessHandle::descendants)
                .map(h -> Long.toString(h.pid())).collect(Collectors.toSet());
    }

    // ---- the gateway's view --------------------------------------------------------------------------------------

    enum Up { YES, NO, UNKNOWN }

    /**
     * The gateway's {@code fcgate_upstream_server_up} for {@code server}; UNKNOWN when the admin listener did not
     * answer in time (a loaded machine), so a slow poll is never taken for a server going down.
     */
    Up up(Server server) {
        String series = "fcgate_upstream_server_up{server=\"" + server.hostPort() + "\",upstream=\"app\"} ";
        String metrics;
        try {
            metrics = run(List.of("curl", "-sS", "--max-time", "10", "http://127.0.0.1:" + adminPort + "/metrics"));
        } catch (AssertionError e) {
            return Up.UNKNOWN;
        }
        return metrics.contains(series + "1.0") ? Up.YES : metrics.contains(series + "0.0") ? Up.NO : Up.UNKNOWN;
    }

    String metrics() {
        return run(List.of("curl", "-sS", "--max-time", "30", "http://127.0.0.1:" + adminPort + "/metrics"));
    }

    /** The status of one GET through the gateway, 0 when it did not answer. */
    int status(String id) {
        try {
            return Integer.parseInt(run(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                    "--max-time", "30", "http://127.0.0.1:" + httpPort + "/x.app?id=" + id)).strip());
        } catch (AssertionError e) {
            return 0;
        }
    }

    /** Waits until the gateway sees {@code server} down and 200 more requests than {@code since} were answered. */
    void awaitTakenOut(String what, Server server, int since) {
        await(what).atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                .until(() -> up(server) == Up.NO && results().size() >= since + 200);
    }

    /**
     * Waits until the gateway sees {@code server} up again and one of {@code pool}'s children (gathered into
     * {@code children} as they come) answered a request after result number {@code since}.
     */
    void awaitRejoined(String what, Server server, PeerProcess pool, int since, Set<String> children) {
        await(what).atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).until(() -> {
            children.addAll(children(pool));
            List<Result> r = results();
            return up(server) == Up.YES
                    && r.subList(since, r.size()).stream().anyMatch(x -> children.contains(x.pid()));
        });
    }

    /** Stops the client, prints what happened and asserts that the run failed over cleanly. */
    void finish(PeerProcess client, String label, Map<String, Integer> marks) throws IOException {
        stopClient(client);
        List<Result> all = results();
        String summary = summary(all, marks);
        System.out.println(label + ": " + summary + "\n" + gatewayStory());
        assertFailedOverCleanly(all, summary);
    }

    /** Runs {@code command} on the gateway host; its output, or an AssertionError on a non-zero exit. */
    private String run(List<String> command) {
        List<String> c = shell.command(gatewayHost, command);
        PeerProcess.Finished f = PeerProcess.runToEnd(c, PATIENCE);
        if (f.exit() != 0) {
            throw new AssertionError(c + " exited " + f.exit());
        }
        return f.output();
    }

    // ---- the client's results ------------------------------------------------------------------------------------

    record Result(String id, String method, String status, long millis, String echoedId, String pid) {
    }

    /** The client's complete lines so far (a line being written is left for the next read). */
    List<Result> results() {
        try {
            if (!Files.exists(results)) {
                return List.of();
            }
            List<Result> out = new ArrayList<>();
            String[] lines = Files.readString(results).split("\n", -1);
            for (String line : List.of(lines).subList(0, lines.length - 1)) { // the last one is not ended yet
                String[] f = line.split(" ");
                if (f.length == 6) {
                    out.add(new Result(f[0], f[1], f[2], Long.parseLong(f[3]), f[4], f[5]));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The invariants of a failover under load: no request hangs (each ended within {@link #REQUEST_BOUND}, none cut
     * off), each answer is its own request's and each id was answered once, every GET succeeded, every POST
     * succeeded or failed with 502/504 (never sent to a second server once sent).
     */
    static void assertFailedOverCleanly(List<Result> all, String summary) {
        assertThat(all).as("no request hangs (bound %s) or is cut off: %s", REQUEST_BOUND, summary)
                .noneMatch(r -> r.status().equals("TIMEOUT") || r.status().startsWith("IO:"));
        // A 200 echoes its own id; an error page (a POST's 504) echoes none, never another request's.
        assertThat(all).as("each answer is its own request's: %s", summary).allMatch(r -> r.status().equals("200")
                ? r.echoedId().equals(r.id()) : r.echoedId().equals("-"));
        assertThat(all.stream().map(Result::id).collect(Collectors.toSet())).as("each id answered once")
                .hasSize(all.size());
        assertThat(all.stream().filter(r -> r.method().equals("GET")))
                .as("idempotent requests all succeed: %s", summary).allMatch(r -> r.status().equals("200"));
        assertThat(all.stream().filter(r -> r.method().equals("POST")))
                .as("a POST succeeds, or fails without being sent again: %s", summary)
                .allMatch(r -> List.of("200", "502", "504").contains(r.status()))
                .anyMatch(r -> r.status().equals("200"));
    }

    static String summary(List<Result> all, Map<String, Integer> marks) {
        Map<String, Long> byStatus = all.stream().collect(Collectors.groupingBy(r -> r.method() + " " + r.status(),
                TreeMap::new, Collectors.counting()));
        long slowest = all.stream().mapToLong(Result::millis).max().orElse(0);
        List<Result> odd = all.stream().filter(r -> !r.status().equals("200") || !r.echoedId().equals(r.id()))
                .limit(20).toList();
        return all.size() + " requests " + marks + ", " + byStatus + ", slowest " + slowest + " ms, first odd ones "
                + odd;
    }

    /** The gateway's lines about servers going down and up, and about tries on another server. */
    String gatewayStory() {
        return gateway.log().lines().filter(l -> l.contains("upstream server") || l.contains("another server"))
                .limit(40).map(l -> "  gateway: " + l).collect(Collectors.joining("\n"));
    }

    private static int countOf(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static void clean(Path d) throws IOException {
        if (Files.exists(d)) {
            try (Stream<Path> files = Files.walk(d)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        Files.createDirectories(d);
    }

    /** Stops every process this stage started, newest first; reports the first failure after trying all. */
    @Override
    public void close() throws Exception {
        AutoCloseable[] newestFirst = cleanup.toArray(AutoCloseable[]::new); // push() adds at the head
        cleanup.clear();
        Resources.closeInOrder(newestFirst);
    }
}
