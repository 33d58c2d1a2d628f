package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.support.ForwardingGateway;
import org.fcgate.gateway.support.RawClient;
import org.fcgate.gateway.support.Resources;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;
import org.fcgate.pool.PoolObserver;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.status.ChildSnapshot;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code write_ahead} against real php-cgi children: under load every response is the one asked for; a request written
 * ahead behind one that times out, whose child is stopped, or whose php-cgi exits after {@code PHP_FCGI_MAX_REQUESTS}
 * still answers 200; a client leaving while its request is written ahead costs that child (replaced), nothing else;
 * the pool's counters count each request once.
 */
class WriteAheadIT {

    /** Echoes {@code id}, after sleeping {@code ms} milliseconds if asked; SIGKILLs itself first with {@code crash}. */
    private static final String SCRIPT = "<?php if (isset($_GET['ms'])) { usleep((int) $_GET['ms'] * 1000); }\n"
            + "if (isset($_GET['crash'])) { posix_kill(getmypid(), 9); }\n"
            + "echo $_GET['id'] ?? '', \"\\n\";\n";

    private static PoolManager manager;
    private static final Map<String, Pool> pools = new LinkedHashMap<>();
    private static final Map<String, AtomicLong> aheads = new HashMap<>();
    private static ForwardingGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        manager = TestPools.manager();
        add("load", php("load", "0").maxChildren(2).writeAhead(Duration.ofSeconds(1)));
        add("sdk", TestPools.legacyAppPool("sdk", 2).writeAhead(Duration.ofSeconds(1)));
        add("timeout", php("timeout", "0").maxChildren(1).writeAhead(Duration.ofSeconds(10))
                .requestTimeout(Duration.ofSeconds(1)).killGrace(Duration.ZERO));
        add("crash", php("crash", "0").maxChildren(1).writeAhead(Duration.ofSeconds(10)).crashThreshold(1000));
        add("stopped", php("stopped", "0").maxChildren(1).writeAhead(Duration.ofSeconds(10)));
        // php-cgi exiting on its own after 2 requests is not a crash loop here.
        add("exits", php("exits", "2").maxChildren(1).writeAhead(Duration.ofSeconds(10)).crashThreshold(1000));
        add("abort", php("abort", "0").maxChildren(1).writeAhead(Duration.ofSeconds(10)));
        Path root = Files.createTempDirectory("fcgate-ahead");
        Map<String, org.fcgate.gateway.upstream.Upstream> routes = new HashMap<>();
        for (String name : pools.keySet()) {
            ForwardingGateway.write(root.resolve("x." + name), SCRIPT);
            routes.put("." + name, FastCgiUpstream.managed(pools.get(name), FastCgiUpstreamOptions.defaults()));
        }
        gateway = ForwardingGateway.start(root, routes, HttpLimits.defaults());
        for (Pool p : pools.values()) {
            awaitIdle(p);
        }
    }

    private static void add(String name, PoolConfig.Builder b) {
        Pool p = manager.addPool(b.build());
        AtomicLong n = new AtomicLong();
        p.observe(new PoolObserver() {
            @Override
            public void writeAheadGranted() {
                n.incrementAndGet();
            }
        });
        pools.put(name, p);
        aheads.put(name, n);
    }

    private static PoolConfig.Builder php(String name, String maxRequests) {
        return PoolConfig.builder(name, List.of("/usr/bin/php-cgi8.2")).pm(PmMode.STATIC)
                .env("PHP_FCGI_CHILDREN", "0").env("PHP_FCGI_MAX_REQUESTS", maxRequests);
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeInOrder(gateway, manager);
    }

    @AfterEach
    void invariants() throws Exception {
        gateway.canary();
        for (Pool p : pools.values()) {
            awaitIdle(p);
        }
    }

    private static void awaitIdle(Pool p) {
        TestPools.awaitIdle(p, p.config().maxChildren());
    }

    private static RawClient.Response get(String target) throws IOException {
        try (RawClient c = gateway.connect()) {
            return c.send("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n").read();
        }
    }

    private static RawClient send(String target) throws IOException {
        return gateway.connect().send("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    /**
     * Sends {@code target} while the pool's one child is busy, so that it is written ahead. A request goes ahead only
     * from the event loop of the busy child's connection: one that queues instead (its client connection landed on
     * another loop) is given up and sent again on a new client connection, which the gateway hands to the next loop.
     */
    private static RawClient sendAhead(String pool, String target) throws IOException {
        Pool p = pools.get(pool);
        AtomicLong counter = aheads.get(pool);
        for (int attempt = 0; attempt < 8; attempt++) {
            long before = counter.get();
            RawClient c = send(target);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> counter.get() > before || p.snapshot().counters().queueLength() > 0);
            if (counter.get() > before) {
                return c;
            }
            c.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> p.snapshot().counters().queueLength() == 0);
        }
        throw new AssertionError("never written ahead: " + target);
    }

    private static void assertAnswers(RawClient.Response r, String id) {
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo(id + "\n");
    }

    /** The busy child's pid once its request is running. */
    private static long busyPid(Pool p) {
        await().atMost(Duration.ofSeconds(10)).until(() -> p.snapshot().count(ChildState.BUSY) == 1);
        return p.snapshot().children().stream().filter(c -> c.state() == ChildState.BUSY)
                .mapToLong(ChildSnapshot::pid).findFirst().orElseThrow();
    }

    @Test
    void underLoadEveryResponseIsTheOneAskedForAndCountedOnce() throws Exception {
        underLoad("load", "ms", WriteAheadIT::assertAnswers);
    }

    /**
     * Children of the Java SDK keep reading their connection during a request: the request written ahead waits in
     * their reader until the current one completes (RequestListener.awaitCompletion), and no connection breaks.
     */
    @Test
    void underLoadJavaSdkChildrenServeRequestsWrittenAhead() throws Exception {
        underLoad("sdk", "sleep", (r, id) -> {
            assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
            assertThat(r.bodyText()).containsPattern("\nQUERY_STRING=id=" + id + "(&sleep=2)?\n");
        });
    }

    /**
     * 8 keep-alive clients, 60 requests each, every fifth one 2 ms slower ({@code slowParam}=2): each answer is the
     * one asked for, each request is one lease, and no child was replaced.
     */
    private static void underLoad(String poolName, String slowParam,
                                  java.util.function.BiConsumer<RawClient.Response, String> check) throws Exception {
        Pool p = pools.get(poolName);
        long leasesBefore = p.snapshot().counters().leases();
        long aheadsBefore = aheads.get(poolName).get();
        long brokenBefore = p.snapshot().counters().exits(ExitReason.BROKEN);
        int clients = 8;
        int perClient = 60;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<Integer>> done = new ArrayList<>();
        try {
            for (int c = 0; c < clients; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    try (RawClient conn = gateway.connect()) { // keep-alive: requests one after the other
                        for (int i = 0; i < perClient; i++) {
                            String id = client + "-" + i;
                            String slow = i % 5 == 0 ? "&" + slowParam + "=2" : "";
                            RawClient.Response r = conn.send("GET /x." + poolName + "?id=" + id + slow
                                    + " HTTP/1.1\r\nHost: a\r\n\r\n").read();
                            check.accept(r, id);
                        }
                    }
                    return perClient;
                }));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get();
            }
            assertThat(total).isEqualTo(clients * perClient);
        } finally {
            pool.shutdownNow();
        }
        awaitIdle(p);
        assertThat(aheads.get(poolName).get() - aheadsBefore).as("requests written ahead").isPositive();
        long served = clients * perClient;
        assertThat(p.snapshot().counters().leases() - leasesBefore).isEqualTo(served);
        assertThat(p.snapshot().children().stream().mapToLong(ChildSnapshot::requestsServed).sum())
                .isGreaterThanOrEqualTo(served);
        assertThat(p.snapshot().counters().exits(ExitReason.BROKEN) - brokenBefore).isZero();
    }

    @Test
    void aRequestWrittenAheadOfOneThatTimesOutStillAnswers() throws Exception {
        Pool p = pools.get("timeout");
        long leasesBefore = p.snapshot().counters().leases();
        try (RawClient slow = send("/x.timeout?id=slow&ms=5000")) {
            busyPid(p);
            try (RawClient next = sendAhead("timeout", "/x.timeout?id=next")) {
                assertThat(slow.read().status()).isEqualTo(504);
                assertAnswers(next.read(), "next");
            }
        }
        awaitIdle(p);
        // The slow one, and the one written ahead once: its lease on the timed-out child was never promoted.
        assertThat(p.snapshot().counters().leases() - leasesBefore).isEqualTo(2);
        assertThat(p.snapshot().counters().exits(ExitReason.TIMEOUT)).isPositive();
    }

    @Test
    void aRequestWrittenAheadOfOneWhoseChildIsStoppedStillAnswers() throws Exception {
        Pool p = pools.get("stopped");
        try (RawClient slow = send("/x.stopped?id=slow&ms=5000")) {
            long pid = busyPid(p);
            try (RawClient next = sendAhead("stopped", "/x.stopped?id=next")) {
                assertThat(p.stopChild(pid)).isEqualTo(Pool.ChildStop.STOPPING);
                // 502, or 200 when it ran on a kept connection: a GET whose child was taken away before any response
                // byte is sent once more on a fresh connection (the stale case), to the replacement child.
                assertThat(slow.read().status()).isIn(200, 502);
                assertAnswers(next.read(), "next");
            }
        }
    }

    @Test
    void aRequestWrittenAheadOfOneWhoseChildCrashesStillAnswers() throws Exception {
        Pool p = pools.get("crash");
        try (RawClient crashing = send("/x.crash?id=crash&ms=1500&crash=1")) {
            busyPid(p);
            try (RawClient next = sendAhead("crash", "/x.crash?id=next")) {
                assertThat(crashing.read().status()).isEqualTo(502);
                assertAnswers(next.read(), "next");
            }
        }
    }

    @Test
    void phpCgiExitingAfterItsLastRequestWithOneWrittenAheadCostsNoFailedRequest() throws Exception {
        Pool p = pools.get("exits");
        for (int round = 0; round < 3; round++) {
            assertAnswers(get("/x.exits?id=first" + round), "first" + round); // php-cgi's 1st of 2
            try (RawClient last = send("/x.exits?id=last" + round + "&ms=2000")) { // its 2nd: it exits after
                busyPid(p);
                try (RawClient next = sendAhead("exits", "/x.exits?id=next" + round)) {
                    assertAnswers(last.read(), "last" + round);
                    assertAnswers(next.read(), "next" + round);
                }
            }
            awaitIdle(p);
        }
    }

    @Test
    void aClientLeavingWhileItsRequestIsWrittenAheadCostsThatChildOnly() throws Exception {
        Pool p = pools.get("abort");
        long broken = p.snapshot().counters().exits(ExitReason.BROKEN);
        long leasesBefore = p.snapshot().counters().leases();
        long pid;
        try (RawClient slow = send("/x.abort?id=slow&ms=1000")) {
            pid = busyPid(p);
            sendAhead("abort", "/x.abort?id=gone&ms=20000").close();
            assertAnswers(slow.read(), "slow");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> KeptChildConnectionIT.ChildSockets.gone(pid));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> p.snapshot().counters().exits(ExitReason.BROKEN) == broken + 1);
        // The child went on to read the one given up when the slow one completed: two requests served, as the
        // servers of fastcgi_servers count it (499) in FpmWriteAheadIT.
        assertThat(p.snapshot().counters().leases() - leasesBefore).isEqualTo(2);
        assertThat(p.snapshot().counters().writtenAhead()).isZero();
        awaitIdle(p);
        for (int i = 0; i < 5; i++) {
            assertAnswers(get("/x.abort?id=after" + i), "after" + i);
        }
    }
}
