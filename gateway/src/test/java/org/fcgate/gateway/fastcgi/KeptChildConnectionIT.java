package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.fcgate.gateway.support.ForwardingGateway;
import org.fcgate.gateway.support.PoolsGateway;
import org.fcgate.gateway.support.RawClient;
import org.fcgate.gateway.support.Resources;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.config.SocketConvention;
import org.fcgate.pool.status.ChildSnapshot;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One FastCGI connection per managed child, kept from lease to lease (FCGI_KEEP_CONN), against real children: the
 * sample legacy app in each spawn convention (fd 0, bind, tcp) and php-cgi. Connections are counted at the child, as
 * the socket inodes it holds besides its listening socket ({@code /proc/PID/fd}, {@code /proc/net/unix|tcp}).
 */
class KeptChildConnectionIT {

    private static final String PHP_PID = "<?php echo getmypid(), \"\\n\";\n";
    private static final String APP = "app\n";

    private static PoolsGateway fixture;
    private static ForwardingGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        List<String> app = TestPools.legacyApp();
        fixture = PoolsGateway.builder("fcgate-kept")
                .pool("fd0", TestPools.legacyAppPool("fd0", 2), APP)
                .pool("bind", PoolConfig.builder("bind", with(app, "--socket", "{socket}"))
                        .convention(SocketConvention.BIND).pm(PmMode.STATIC).maxChildren(1), APP)
                .pool("tcp", PoolConfig.builder("tcp", with(app, "--tcp", "127.0.0.1:{port}"))
                        .convention(SocketConvention.TCP).pm(PmMode.STATIC).maxChildren(1), APP)
                .pool("off", TestPools.legacyAppPool("off", 1).keepConn(false), APP)
                .pool("recycled", TestPools.legacyAppPool("recycled", 1).maxRequests(3), APP)
                .pool("timeout", TestPools.legacyAppPool("timeout", 1).requestTimeout(Duration.ofSeconds(1)), APP)
                .pool("php", TestPools.phpCgiPool("php", 0).maxChildren(2), PHP_PID)
                // php-cgi exiting on its own is not a crash loop here, whatever the reaper sees first.
                .pool("phpexits", TestPools.phpCgiPool("phpexits", 3).maxChildren(2).crashThreshold(1000), PHP_PID)
                .start();
        gateway = fixture.gateway();
    }

    private static List<String> with(List<String> command, String... args) {
        List<String> all = new ArrayList<>(command);
        all.addAll(List.of(args));
        return all;
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeInOrder(fixture);
    }

    @AfterEach
    void invariants() throws Exception {
        fixture.invariants();
    }

    /** The pid that served: php prints it, the sample app says {@code pid=PID}. */
    private static long pidOf(RawClient.Response r) {
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        Matcher m = Pattern.compile("(?m)^(?:pid=)?(\\d+)$").matcher(r.bodyText());
        assertThat(m.find()).as(r.bodyText()).isTrue();
        return Long.parseLong(m.group(1));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(SocketConvention.class)
    void requestsShareOneConnectionPerChild(SocketConvention convention) throws Exception {
        String name = convention.name().toLowerCase(java.util.Locale.ROOT);
        long broken = fixture.pool(name).snapshot().counters().exits(ExitReason.BROKEN);
        Map<Long, Set<Long>> seen = new HashMap<>();
        for (int i = 0; i < 8; i++) {
            long pid = pidOf(gateway.get("/x." + name));
            Set<Long> open = ChildSockets.connections(pid);
            assertThat(open).as("the child keeps exactly its one connection between requests").hasSize(1);
            seen.computeIfAbsent(pid, k -> new HashSet<>()).addAll(open);
        }
        assertThat(seen.values()).allSatisfy(inodes -> assertThat(inodes).as("one connection for all").hasSize(1));
        assertThat(fixture.pool(name).snapshot().counters().exits(ExitReason.BROKEN)).isEqualTo(broken);
    }

    @Test
    void phpCgiChildrenEachKeepOneConnectionUnderConcurrentRequests() throws Exception {
        Map<Long, Set<Long>> seen = new HashMap<>();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 5; round++) {
                List<Future<Long>> pids = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    pids.add(clients.submit(() -> pidOf(gateway.get("/x.php"))));
                }
                for (Future<Long> f : pids) {
                    long pid = f.get();
                    seen.computeIfAbsent(pid, k -> new HashSet<>()).addAll(ChildSockets.connections(pid));
                }
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(seen).isNotEmpty().hasSizeLessThanOrEqualTo(2);
        assertThat(seen.values()).allSatisfy(inodes -> assertThat(inodes).hasSize(1));
    }

    @Test
    void withKeepConnOffTheChildHoldsNoConnectionAfterARequest() throws Exception {
        for (int i = 0; i < 3; i++) {
            long pid = pidOf(gateway.get("/x.off"));
            await().atMost(Duration.ofSeconds(5)).until(() -> ChildSockets.connections(pid).isEmpty());
        }
    }

    @Test
    void R54_aRecycledChildsSuccessorGetsANewConnection() throws Exception {
        List<Long> pids = new ArrayList<>();
        Map<Long, Set<Long>> seen = new HashMap<>();
        for (int i = 0; i < 7; i++) {
            long pid = pidOf(gateway.get("/x.recycled"));
            pids.add(pid);
            Set<Long> open = ChildSockets.connections(pid);
            seen.computeIfAbsent(pid, k -> new HashSet<>()).addAll(open);
            if (pids.size() % 3 == 0) {
                // Its third request: the child is being stopped, its kept connection closed by the pool.
                await().atMost(Duration.ofSeconds(10)).until(() -> ChildSockets.gone(pid));
                TestPools.awaitIdle(fixture.pool("recycled"));
            } else {
                assertThat(open).hasSize(1);
            }
        }
        assertThat(pids.subList(0, 3)).containsOnly(pids.get(0));
        assertThat(pids.subList(3, 6)).containsOnly(pids.get(3)).doesNotContain(pids.get(0));
        assertThat(pids.get(6)).isNotIn(pids.get(0), pids.get(3));
        Set<Long> first = seen.get(pids.get(0));
        Set<Long> second = seen.get(pids.get(3));
        assertThat(first).hasSize(1);
        assertThat(second).hasSize(1).doesNotContainAnyElementsOf(first);
    }

    @Test
    void aChildClosingItsKeptConnectionCostsNoFailedRequest() throws Exception {
        // php-cgi with PHP_FCGI_MAX_REQUESTS=3 closes its connection and exits after every third request, on its own.
        // The next request meets the child idle with its connection closed (or closing as it is sent): it goes to the
        // other child, once, before anything of it reached the exiting one.
        Set<Long> children = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            RawClient.Response r = gateway.get("/x.phpexits?i=" + i);
            assertThat(r.status()).as("request %d: %s", i, r.bodyText()).isEqualTo(200);
            children.add(pidOf(r));
        }
        assertThat(children).as("a child served at most 3 requests").hasSizeGreaterThanOrEqualTo(10);
    }

    @Test
    void R52_aTimedOutRequestsConnectionIsClosedAndTheChildReplaced() throws Exception {
        long before = pidOf(gateway.get("/x.timeout"));
        assertThat(ChildSockets.connections(before)).hasSize(1);
        assertThat(gateway.get("/x.timeout?sleep=5000").status()).isEqualTo(504);
        await().atMost(Duration.ofSeconds(10)).until(() -> ChildSockets.gone(before));
        TestPools.awaitIdle(fixture.pool("timeout"));
        long after = pidOf(gateway.get("/x.timeout"));
        assertThat(after).isNotEqualTo(before);
        assertThat(ChildSockets.connections(after)).hasSize(1);
        assertThat(fixture.pool("timeout").snapshot().counters().exits(ExitReason.TIMEOUT)).isPositive();
    }

    @Test
    void R51_aClientAbortClosesTheConnectionAndReplacesTheChild() throws Exception {
        long before = pidOf(gateway.get("/x.fd0"));
        long broken = fixture.pool("fd0").snapshot().counters().exits(ExitReason.BROKEN);
        RawClient c = gateway.connect().send("GET /x.fd0?sleep=30000 HTTP/1.1\r\nHost: a\r\n\r\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> fixture.pool("fd0").snapshot().count(ChildState.BUSY) == 1);
        long busy = fixture.pool("fd0").snapshot().children().stream().filter(ch -> ch.state() == ChildState.BUSY)
                .mapToLong(ChildSnapshot::pid).findFirst().orElseThrow();
        assertThat(busy).isEqualTo(before); // MRU: the child that served the last request
        c.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> ChildSockets.gone(busy));
        await().atMost(Duration.ofSeconds(10)).until(() ->
                fixture.pool("fd0").snapshot().counters().exits(ExitReason.BROKEN) == broken + 1);
    }

    @Test
    void noDescriptorLeakOverManyRequests() throws Exception {
        for (int i = 0; i < 40; i++) {
            gateway.get(i % 2 == 0 ? "/x.php" : "/x.recycled"); // every loop, every child has its connection by now
        }
        TestPools.awaitIdle(fixture.pool("recycled"));
        long before = ChildSockets.openDescriptors();
        for (int i = 0; i < 300; i++) {
            RawClient.Response r = gateway.get(switch (i % 3) {
                case 0 -> "/x.php";
                case 1 -> "/x.recycled"; // a new child, and so a new connection, every third request
                default -> "/x.fd0";
            });
            assertThat(r.status()).isEqualTo(200);
        }
        TestPools.awaitIdle(fixture.pool("recycled"));
        await().atMost(Duration.ofSeconds(10)).until(() -> ChildSockets.openDescriptors() <= before);
    }

    /** What {@code /proc} says about a child's sockets and this JVM's descriptors. */
    static final class ChildSockets {

        private static final Pattern SOCKET = Pattern.compile("socket:\\[(\\d+)]");

        /**
         * The FastCGI connections {@code pid} holds: its socket inodes that are accepted connections, i.e. Unix sockets
         * bearing their listener's path (not listening themselves) and established TCP sockets. Anonymous socket pairs
         * (a JVM has one for its own use) and listening sockets are left out.
         */
        static Set<Long> connections(long pid) throws IOException {
            Set<Long> inodes = new HashSet<>();
            try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
                for (Path fd : (Iterable<Path>) fds::iterator) {
                    try {
                        Matcher m = SOCKET.matcher(Files.readSymbolicLink(fd).toString());
                        if (m.matches()) {
                            inodes.add(Long.parseLong(m.group(1)));
                        }
                    } catch (NoSuchFileException e) {
                        // closed while we looked
                    }
                }
            }
            inodes.retainAll(accepted());
            return inodes;
        }

        /** Unix sockets with a path in state 03 (SS_CONNECTED), TCP sockets in state 01 (ESTABLISHED). */
        private static Set<Long> accepted() throws IOException {
            Set<Long> a = new HashSet<>();
            for (String line : lines("/proc/net/unix")) {
                String[] f = line.trim().split("\\s+"); // Num RefCount Protocol Flags Type St Inode [Path]
                if (f.length >= 8 && f[5].equals("03")) {
                    a.add(Long.parseLong(f[6]));
                }
            }
            for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
                for (String line : lines(table)) {
                    String[] f = line.trim().split("\\s+"); // sl local rem st tx:rx tr:when retr uid timeout inode
                    if (f.length >= 10 && f[3].equals("01")) {
                        a.add(Long.parseLong(f[9]));
                    }
                }
            }
            return a;
        }

        private static List<String> lines(String file) throws IOException {
            List<String> all = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
            return all.subList(1, all.size());
        }

        /** Whether {@code pid} has exited (a zombie counts as exited). */
        static boolean gone(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                char state = stat.charAt(stat.lastIndexOf(')') + 2);
                return state == 'Z' || state == 'X';
            } catch (IOException e) {
                return true;
            }
        }

        static long openDescriptors() throws IOException {
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                return fds.count();
            }
        }
    }
}
