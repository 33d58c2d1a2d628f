package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.fcgate.gateway.support.ForwardingGateway;
import org.fcgate.gateway.support.KeepAliveLoad;
import org.fcgate.gateway.support.PoolsGateway;
import org.fcgate.gateway.support.RawClient;
import org.fcgate.gateway.support.Resources;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.gateway.support.WriteAheadClients;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolObserver;
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

    private static PoolsGateway fixture;
    private static final Map<String, AtomicLong> aheads = new HashMap<>();
    private static ForwardingGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        fixture = PoolsGateway.builder("fcgate-ahead")
                .pool("load", php("load", 0).maxChildren(2).writeAhead(Duration.ofSeconds(1)), SCRIPT)
                .pool("sdk", TestPools.legacyAppPool("sdk", 2).writeAhead(Duration.ofSeconds(1)), SCRIPT)
                .pool("timeout", php("timeout", 0).maxChildren(1).writeAhead(Duration.ofSeconds(10))
                        .requestTimeout(Duration.ofSeconds(1)).killGrace(Duration.ZERO), SCRIPT)
                .pool("crash", php("crash", 0).maxChildren(1).writeAhead(Duration.ofSeconds(10))
                        .crashThreshold(1000), SCRIPT)
                .pool("stopped", php("stopped", 0).maxChildren(1).writeAhead(Duration.ofSeconds(10)), SCRIPT)
                // php-cgi exiting on its own after 2 requests is not a crash loop here.
                .pool("exits", php("exits", 2).maxChildren(1).writeAhead(Duration.ofSeconds(10))
                        .crashThreshold(1000), SCRIPT)
                .pool("abort", php("abort", 0).maxChildren(1).writeAhead(Duration.ofSeconds(10)), SCRIPT)
                .start();
        gateway = fixture.gateway();
        for (Pool p : fixture.pools()) { // before any request: every grant is counted
            AtomicLong n = new AtomicLong();
            p.observe(new PoolObserver() {
                @Override
                public void writeAheadGranted() {
                    n.incrementAndGet();
                }
            });
            aheads.put(p.config().name(), n);
        }
    }

    private static PoolConfig.Builder php(String name, int maxRequests) {
        return TestPools.phpCgiPool(name, maxRequests);
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeInOrder(fixture);
    }

    @AfterEach
    void invariants() throws Exception {
        fixture.invariants();
    }

    /** Sends {@code target} while the pool's one child is busy, so that it is written ahead. */
    private static RawClient sendAhead(String pool, String target) throws IOException {
        Pool p = fixture.pool(pool);
        return WriteAheadClients.sendAhead(gateway, target, aheads.get(pool)::get,
                () -> p.snapshot().counters().queueLength());
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
        Pool p = fixture.pool(poolName);
        long leasesBefore = p.snapshot().counters().leases();
        long aheadsBefore = aheads.get(poolName).get();
        long brokenBefore = p.snapshot().counters().exits(ExitReason.BROKEN);
        int clients = 8;
        int perClient = 60;
        KeepAliveLoad.run(gateway, clients, perClient, (conn, id, i) -> {
            String slow = i % 5 == 0 ? "&" + slowParam + "=2" : "";
            check.accept(conn.send("GET /x." + poolName + "?id=" + id + slow + " HTTP/1.1\r\nHost: a\r\n\r\n")
                    .read(), id);
        });
        TestPools.awaitIdle(p);
        assertThat(aheads.get(poolName).get() - aheadsBefore).as("requests written ahead").isPositive();
        long served = clients * perClient;
        assertThat(p.snapshot().counters().leases() - leasesBefore).isEqualTo(served);
        assertThat(p.snapshot().children().stream().mapToLong(ChildSnapshot::requestsServed).sum())
                .isGreaterThanOrEqualTo(served);
        assertThat(p.snapshot().counters().exits(ExitReason.BROKEN) - brokenBefore).isZero();
    }

    @Test
    void aRequestWrittenAheadOfOneThatTimesOutStillAnswers() throws Exception {
        Pool p = fixture.pool("timeout");
        long leasesBefore = p.snapshot().counters().leases();
        try (RawClient slow = gateway.send("/x.timeout?id=slow&ms=5000")) {
            busyPid(p);
            try (RawClient next = sendAhead("timeout", "/x.timeout?id=next")) {
                assertThat(slow.read().status()).isEqualTo(504);
                assertAnswers(next.read(), "next");
            }
        }
        TestPools.awaitIdle(p);
        // The slow one, and the one written ahead once: its lease on the timed-out child was never promoted.
        assertThat(p.snapshot().counters().leases() - leasesBefore).isEqualTo(2);
        assertThat(p.snapshot().counters().exits(ExitReason.TIMEOUT)).isPositive();
    }

    @Test
    void aRequestWrittenAheadOfOneWhoseChildIsStoppedStillAnswers() throws Exception {
        Pool p = fixture.pool("stopped");
        try (RawClient slow = gateway.send("/x.stopped?id=slow&ms=5000")) {
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
        Pool p = fixture.pool("crash");
        try (RawClient crashing = gateway.send("/x.crash?id=crash&ms=1500&crash=1")) {
            busyPid(p);
            try (RawClient next = sendAhead("crash", "/x.crash?id=next")) {
                assertThat(crashing.read().status()).isEqualTo(502);
                assertAnswers(next.read(), "next");
            }
        }
    }

    @Test
    void phpCgiExitingAfterItsLastRequestWithOneWrittenAheadCostsNoFailedRequest() throws Exception {
        Pool p = fixture.pool("exits");
        for (int round = 0; round < 3; round++) {
            assertAnswers(gateway.get("/x.exits?id=first" + round), "first" + round); // php-cgi's 1st of 2
            try (RawClient last = gateway.send("/x.exits?id=last" + round + "&ms=2000")) { // its 2nd: it exits after
                busyPid(p);
                try (RawClient next = sendAhead("exits", "/x.exits?id=next" + round)) {
                    assertAnswers(last.read(), "last" + round);
                    assertAnswers(next.read(), "next" + round);
                }
            }
            TestPools.awaitIdle(p);
        }
    }

    @Test
    void aClientLeavingWhileItsRequestIsWrittenAheadCostsThatChildOnly() throws Exception {
        Pool p = fixture.pool("abort");
        long broken = p.snapshot().counters().exits(ExitReason.BROKEN);
        long leasesBefore = p.snapshot().counters().leases();
        long pid;
        try (RawClient slow = gateway.send("/x.abort?id=slow&ms=1000")) {
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
        TestPools.awaitIdle(p);
        for (int i = 0; i < 5; i++) {
            assertAnswers(gateway.get("/x.abort?id=after" + i), "after" + i);
        }
    }
}
