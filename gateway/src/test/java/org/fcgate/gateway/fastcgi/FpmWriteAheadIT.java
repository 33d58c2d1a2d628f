package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.fcgate.gateway.config.Failover;
import org.fcgate.gateway.config.HealthCheck;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.support.ForwardingGateway;
import org.fcgate.gateway.support.KeepAliveLoad;
import org.fcgate.gateway.support.PhpFpm;
import org.fcgate.gateway.support.RawClient;
import org.fcgate.gateway.support.Resources;
import org.fcgate.gateway.support.WriteAheadClients;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code write_ahead} on {@code fastcgi_servers} with {@code keep_conn: on} against real php-fpm (pm static, 2
 * children, {@code max_conns_per_server: 2}): under load every answer is the one asked for and each server counts
 * exactly the requests it answered; a request written ahead behind one that hits the read timeout, or behind the last
 * request of a worker that exits after {@code pm.max_requests}, still answers 200.
 */
class FpmWriteAheadIT {

    /**
     * Echoes {@code id} and the php-fpm's tag, after sleeping {@code ms} milliseconds if asked; first creates the file
     * {@code mark} beside itself if asked (proof that php-fpm ran it).
     */
    private static final String SCRIPT = "<?php if (isset($_GET['mark'])) {"
            + " touch(__DIR__ . '/' . basename($_GET['mark'])); }\n"
            + "if (isset($_GET['ms'])) { usleep((int) $_GET['ms'] * 1000); }\n"
            + "echo $_GET['id'] ?? '', ' ', getenv('TAG'), \"\\n\";\n";

    private static final List<PhpFpm> fpms = new ArrayList<>();
    private static final Map<String, FastCgiUpstream> upstreams = new HashMap<>();
    /** Requests each server counted as ended, by tag and status. */
    private static final Map<String, AtomicLong> counted = new ConcurrentHashMap<>();
    private static final Map<String, String> tagOf = new HashMap<>();
    private static ForwardingGateway gateway;
    private static Path root;

    @BeforeAll
    static void start() throws Exception {
        root = Files.createTempDirectory("fcgate-fpm-ahead");
        PhpFpm a = fpm("a");
        PhpFpm b = fpm("b");
        PhpFpm timeout = fpm("timeout");
        PhpFpm exits = fpm("exits", "pm.max_requests = 1");
        PhpFpm abort = fpm("abort");
        add("load", List.of(a, b), Duration.ofSeconds(1), FastCgiUpstreamOptions.defaults());
        add("timeout", List.of(timeout), Duration.ofSeconds(10),
                FastCgiUpstreamOptions.defaults().withReadTimeout(Duration.ofSeconds(2)));
        add("exits", List.of(exits), Duration.ofSeconds(10), FastCgiUpstreamOptions.defaults());
        add("abort", List.of(abort), Duration.ofSeconds(10), FastCgiUpstreamOptions.defaults());
        Map<String, org.fcgate.gateway.upstream.Upstream> routes = new HashMap<>();
        for (String name : upstreams.keySet()) {
            ForwardingGateway.write(root.resolve("x." + name), SCRIPT);
            routes.put("." + name, upstreams.get(name));
        }
        gateway = ForwardingGateway.start(root, routes, HttpLimits.defaults());
    }

    private static PhpFpm fpm(String tag, String... lines) throws Exception {
        List<String> all = new ArrayList<>(List.of(lines));
        all.add("env[TAG] = " + tag);
        all.add("security.limit_extensions = .load .timeout .exits .abort");
        PhpFpm f = PhpFpm.start("fcgate-fpm-ahead-" + tag, 2, PhpFpm.PhpIni.NONE, all.toArray(String[]::new));
        fpms.add(f);
        tagOf.put(f.socket().toString(), tag);
        return f;
    }

    private static void add(String name, List<PhpFpm> servers, Duration writeAhead, FastCgiUpstreamOptions options) {
        List<BackendAddress> addresses = servers.stream()
                .map(f -> (BackendAddress) new BackendAddress.Unix(f.socket())).toList();
        FastCgiUpstream u = FastCgiUpstream.external(ExternalServerOptions.of(name, addresses).withKeepAlive(true)
                .withMaxConnections(2).withWriteAhead(writeAhead)
                // No active checks: a check's connection would wait behind the two kept ones in php-fpm's backlog.
                .withFailover(Failover.defaults().withHealthCheck(HealthCheck.off())), options);
        for (ExternalServer s : u.servers()) {
            String tag = tagOf.get(((ServerConnections) s).address().toString().replaceFirst("^unix:", ""));
            s.stats().listen((status, firstByte, total) ->
                    counted.computeIfAbsent(tag + " " + status, k -> new AtomicLong()).incrementAndGet());
        }
        upstreams.put(name, u);
    }

    @AfterAll
    static void stop() throws Exception {
        List<AutoCloseable> all = new ArrayList<>();
        all.add(gateway);
        all.addAll(upstreams.values());
        all.addAll(fpms);
        Resources.closeInOrder(all.toArray(AutoCloseable[]::new)); // the gateway deletes root
    }

    @AfterEach
    void canary() throws Exception {
        gateway.canary();
    }

    private static long counted(String tag, int status) {
        AtomicLong n = counted.get(tag + " " + status);
        return n == null ? 0 : n.get();
    }

    private static long writtenAhead(String upstream) {
        return upstreams.get(upstream).servers().stream().mapToLong(s -> s.stats().writtenAhead()).sum();
    }

    private static int waiting(String upstream) {
        return upstreams.get(upstream).servers().stream().mapToInt(s -> ((ServerConnections) s).waiting()).sum();
    }

    /** Sends {@code target} while every connection is busy, so that it is written ahead. */
    private static RawClient sendAhead(String upstream, String target) throws IOException {
        return WriteAheadClients.sendAhead(gateway, target, () -> writtenAhead(upstream), () -> waiting(upstream));
    }

    private static void assertAnswers(RawClient.Response r, String id, String tag) {
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo(id + " " + tag + "\n");
    }

    /** Both connections of the (one-server) group busy with a request running now. */
    private static void awaitBusy(String upstream) {
        await().atMost(Duration.ofSeconds(10)).until(() -> upstreams.get(upstream).servers().stream()
                .allMatch(s -> s.openConnections() == 2));
    }

    /**
     * 8 keep-alive clients, 60 requests each, every fifth one 2 ms slower: each answer is the one asked for, and each
     * php-fpm's counter has exactly the requests it answered, each once, all 200.
     */
    @Test
    void underLoadEveryAnswerIsTheOneAskedForAndEachServerCountsItsRequestsOnce() throws Exception {
        long aheadBefore = writtenAhead("load");
        long aBefore = counted("a", 200);
        long bBefore = counted("b", 200);
        int clients = 8;
        int perClient = 60;
        Map<String, AtomicLong> answeredBy = new ConcurrentHashMap<>();
        KeepAliveLoad.run(gateway, clients, perClient, (conn, id, i) -> {
            String slow = i % 5 == 0 ? "&ms=2" : "";
            RawClient.Response r = conn.send("GET /x.load?id=" + id + slow + " HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
            assertThat(r.bodyText()).matches(id + " [ab]\n");
            String tag = r.bodyText().substring(id.length() + 1).trim();
            answeredBy.computeIfAbsent(tag, k -> new AtomicLong()).incrementAndGet();
        });
        assertThat(writtenAhead("load") - aheadBefore).as("requests written ahead").isPositive();
        long byA = answeredBy.getOrDefault("a", new AtomicLong()).get();
        long byB = answeredBy.getOrDefault("b", new AtomicLong()).get();
        assertThat(byA + byB).isEqualTo(clients * perClient);
        // A server's meters count when the request ended there, which may follow the client's answer by a moment.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(counted("a", 200) - aBefore).isEqualTo(byA);
            assertThat(counted("b", 200) - bBefore).isEqualTo(byB);
        });
        assertThat(counted.keySet()).noneMatch(k -> k.matches("[ab] (?!200).*"));
    }

    /**
     * Both workers run a request past the gateway's read timeout (504), one with a request written ahead behind it:
     * that one was never started, is asked for again on a new connection and answers 200, counted once.
     */
    @Test
    void aRequestWrittenAheadOfOneThatTimesOutStillAnswers() throws Exception {
        long timedOutBefore = counted("timeout", 504);
        long okBefore = counted("timeout", 200);
        try (RawClient slow1 = gateway.send("/x.timeout?id=slow1&ms=3000");
             RawClient slow2 = gateway.send("/x.timeout?id=slow2&ms=3000")) {
            awaitBusy("timeout");
            try (RawClient next = sendAhead("timeout", "/x.timeout?id=next")) {
                assertThat(slow1.read().status()).isEqualTo(504);
                assertThat(slow2.read().status()).isEqualTo(504);
                assertAnswers(next.read(), "next", "timeout");
            }
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(counted("timeout", 504) - timedOutBefore).isEqualTo(2);
            assertThat(counted("timeout", 200) - okBefore).isEqualTo(1);
        });
    }

    /**
     * pm.max_requests = 1: each worker exits after its request, closing the kept connection with the request written
     * ahead unread. It is the stale kept connection case: sent once more on a fresh connection, 200; three rounds.
     */
    @Test
    void aWorkerExitingAfterPmMaxRequestsWithOneWrittenAheadCostsNoFailedRequest() throws Exception {
        for (int round = 0; round < 3; round++) {
            long okBefore = counted("exits", 200);
            try (RawClient last1 = gateway.send("/x.exits?id=last1-" + round + "&ms=1500");
                 RawClient last2 = gateway.send("/x.exits?id=last2-" + round + "&ms=1500")) {
                awaitBusy("exits");
                try (RawClient next = sendAhead("exits", "/x.exits?id=next" + round)) {
                    assertAnswers(last1.read(), "last1-" + round, "exits");
                    assertAnswers(last2.read(), "last2-" + round, "exits");
                    assertAnswers(next.read(), "next" + round, "exits");
                }
            }
            long expected = okBefore + 3;
            await().atMost(Duration.ofSeconds(10)).until(() -> counted("exits", 200) == expected);
            assertThat(counted.keySet()).noneMatch(k -> k.startsWith("exits ") && !k.equals("exits 200"));
            await().atMost(Duration.ofSeconds(10)).until(() -> waiting("exits") == 0);
        }
    }

    /**
     * A client leaves while its request is written ahead behind a slow one: php-fpm still reads and runs it once the
     * slow one ends (the gateway then closes that connection, as nobody reads the answer), so the server's meters count
     * it, as nginx does a request whose client closed: once, with 499. The slow ones answer 200.
     */
    @Test
    void aRequestWrittenAheadWhoseClientLeftIsRunByPhpFpmAndCountedOnceAs499() throws Exception {
        long goneBefore = counted("abort", 499);
        long okBefore = counted("abort", 200);
        Path marker = root.resolve("ran-gone");
        try (RawClient slow1 = gateway.send("/x.abort?id=slow1&ms=1500");
             RawClient slow2 = gateway.send("/x.abort?id=slow2&ms=1500")) {
            awaitBusy("abort");
            sendAhead("abort", "/x.abort?id=gone&mark=ran-gone").close();
            assertAnswers(slow1.read(), "slow1", "abort");
            assertAnswers(slow2.read(), "slow2", "abort");
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(marker).as("php-fpm ran the request written ahead").exists();
            assertThat(counted("abort", 499) - goneBefore).isEqualTo(1);
            assertThat(counted("abort", 200) - okBefore).isEqualTo(2);
        });
        assertThat(counted.keySet()).noneMatch(k -> k.startsWith("abort ") && !k.matches("abort (200|499)"));
        await().atMost(Duration.ofSeconds(10)).until(() -> waiting("abort") == 0);
        try (RawClient after = gateway.send("/x.abort?id=after")) {
            assertAnswers(after.read(), "after", "abort");
        }
    }
}
