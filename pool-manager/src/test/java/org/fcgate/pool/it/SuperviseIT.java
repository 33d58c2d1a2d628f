package org.fcgate.pool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.fcgate.pool.AcquireResult;
import org.fcgate.pool.Lease;
import org.fcgate.pool.Pool;
import org.fcgate.pool.Revocation;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.junit.jupiter.api.Test;

/** Recycling, timeouts, crashes and load against real child processes. */
class SuperviseIT extends ManagerFixture {

    @Test
    void R54_recycleAfterMaxRequests() throws Exception {
        Pool pool = manager.addPool(PoolConfig.builder("r54", python()).pm(PmMode.STATIC).maxChildren(1)
                .maxRequests(3).build());
        Set<Long> pids = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            Lease l = lease(pool, "/r" + i);
            String body = Procs.body(l, "");
            assertThat(body).as("complete response").startsWith("pid=" + l.pid() + " requests=");
            l.release();
            pids.add(l.pid());
        }
        assertThat(pids).hasSizeGreaterThanOrEqualTo(4);
        await().until(() -> pids.stream().filter(p -> p != pool.snapshot().children().get(0).pid())
                .noneMatch(Procs::alive));
        assertThat(pool.snapshot().counters().exits(ExitReason.MAX_REQUESTS)).isEqualTo(3);
    }

    @Test
    void R52_hungChildThatIgnoresSigtermIsKilledAfterTheGraceAndReplaced() throws Exception {
        Pool pool = manager.addPool(PoolConfig.builder("r52", python("--ignore-term")).pm(PmMode.STATIC)
                .maxChildren(2).requestTimeout(Duration.ofSeconds(1)).killGrace(Duration.ofMillis(500)).build());
        awaitIdle(pool, 2);
        Lease hung = lease(pool, "/hang");
        CompletableFuture<Revocation> revoked = hung.revoked();
        assertThatThrownBy(() -> Procs.body(hung, "sleep=600000")).isInstanceOf(IOException.class);
        assertThat(revoked).isCompletedWithValue(Revocation.TIMED_OUT);
        hung.release();
        await().until(() -> !Procs.alive(hung.pid()));
        awaitIdle(pool, 2);
        assertThat(pool.snapshot().counters().exits(ExitReason.TIMEOUT)).isEqualTo(1);
        Lease next = lease(pool, "/after");
        assertThat(Procs.body(next, "")).startsWith("pid=");
        next.release();
    }

    @Test
    void crashBeforeHeadersFailsTheRequestWithChildFailedAndReplacesTheChild() throws Exception {
        crash("before");
    }

    @Test
    void crashAfterHeadersFailsTheRequestWithChildFailedAndReplacesTheChild() throws Exception {
        crash("after");
    }

    private void crash(String when) throws Exception {
        Pool pool = manager.addPool(PoolConfig.builder("crash", python()).pm(PmMode.STATIC).maxChildren(1).build());
        Lease l = lease(pool, "/crash");
        assertThatThrownBy(() -> Procs.request(l, "crash=" + when)).isInstanceOf(IOException.class);
        assertThat(l.revoked().get()).isEqualTo(Revocation.CHILD_FAILED);
        l.release();
        Lease next = lease(pool, "/next");
        assertThat(next.pid()).isNotEqualTo(l.pid());
        assertThat(Procs.body(next, "")).startsWith("pid=" + next.pid());
        next.release();
        assertThat(pool.snapshot().counters().exits(ExitReason.CRASH)).isEqualTo(1);
    }

    @Test
    void childExitingAtStartUpBacksOffAndDegradesThePool() {
        Pool pool = manager.addPool(PoolConfig.builder("loop", List.of("/bin/false")).pm(PmMode.STATIC)
                .maxChildren(1).crashThreshold(3).crashWindow(Duration.ofSeconds(30))
                .crashBackoffInitial(Duration.ofSeconds(30)).crashBackoffMax(Duration.ofSeconds(60)).build());
        await().until(() -> pool.snapshot().degraded());
        long spawns = pool.snapshot().counters().spawns();
        assertThat(spawns).isEqualTo(3);
        AcquireResult r = pool.acquire("/x").join();
        assertThat(r).isEqualTo(new AcquireResult.Rejected(org.fcgate.pool.RejectReason.DEGRADED,
                Duration.ofSeconds(1)));
        // backing off: the spawn count stays put while the manager keeps ticking
        await().during(Duration.ofMillis(500)).until(() -> pool.snapshot().counters().spawns() == spawns);
    }

    @Test
    void childFloodingStderrIsRateLimitedAndLoggedWholeLines() throws Exception {
        Pool pool = manager.addPool(PoolConfig.builder("flood", python()).pm(PmMode.STATIC).maxChildren(1)
                .logLinesPerSecond(50).build());
        Lease l = lease(pool, "/flood");
        String body = Procs.body(l, "stderr=20000");
        l.release();
        assertThat(body).startsWith("pid=");
        await().until(() -> output.stream().anyMatch(o -> o.line().contains("suppressed")) || output.size() >= 50);
        List<OutputLine> lines = List.copyOf(output);
        assertThat(lines.size()).as("rate-limited").isLessThan(200);
        assertThat(lines).allMatch(o -> o.pool().equals("flood") && o.pid() == l.pid());
        assertThat(lines.stream().filter(o -> !o.line().contains("suppressed")))
                .allMatch(o -> o.line().matches("flood line \\d+ from \\d+"));
    }

    @Test
    void R59_killMinus9OfChildrenUnderLoad() throws Exception {
        Pool pool = manager.addPool(PoolConfig.builder("r59", python()).pm(PmMode.STATIC).maxChildren(4)
                .queueTimeout(Duration.ofSeconds(20)).build());
        awaitIdle(pool, 4);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<?>> work = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            work.add(clients.submit(() -> {
                Lease l = lease(pool, "/load");
                try {
                    Procs.body(l, "sleep=5");
                    l.release();
                    ok.incrementAndGet();
                } catch (IOException e) {
                    assertThat(l.revoked().join()).isEqualTo(Revocation.CHILD_FAILED);
                    l.release();
                    failed.incrementAndGet();
                }
                return null;
            }));
        }
        int kills = 0;
        for (int k = 0; k < 10; k++) {
            var busy = pool.snapshot().children().stream().filter(c -> c.state() == ChildState.BUSY).findFirst();
            if (busy.isPresent()) {
                new ProcessBuilder("kill", "-9", Long.toString(busy.get().pid())).start().waitFor();
                kills++;
            }
            awaitIdleOrBusy(pool, 4);
        }
        for (Future<?> f : work) {
            f.get();
        }
        clients.shutdown();
        assertThat(kills).isPositive();
        assertThat(ok.get() + failed.get()).isEqualTo(200);
        assertThat(pool.snapshot().counters().exits(ExitReason.CRASH)).isEqualTo(kills);
        assertThat(failed.get()).isLessThanOrEqualTo(kills);
        awaitIdle(pool, 4);
        assertThat(Procs.zombieChildren()).isZero();
    }

    private static void awaitIdleOrBusy(Pool pool, int n) {
        await().until(() -> pool.snapshot().children().stream()
                .filter(c -> c.state() == ChildState.IDLE || c.state() == ChildState.BUSY).count() == n);
    }

    @Test
    void twoHundredConcurrentLeasesOnFourChildrenAreEachAnsweredExactlyOnce() throws Exception {
        Pool pool = manager.addPool(PoolConfig.builder("c200", python()).pm(PmMode.STATIC).maxChildren(4)
                .queueMax(200).queueTimeout(Duration.ofSeconds(60)).build());
        awaitIdle(pool, 4);
        ExecutorService io = Executors.newFixedThreadPool(16);
        Set<String> answered = ConcurrentHashMap.newKeySet();
        Set<Long> busyPids = ConcurrentHashMap.newKeySet();
        AtomicInteger overlap = new AtomicInteger();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String uri = "/req/" + i;
            all.add(pool.acquire(uri).thenAcceptAsync(r -> {
                Lease l = ((AcquireResult.Granted) r).lease();
                if (!busyPids.add(l.pid())) {
                    overlap.incrementAndGet();
                }
                try {
                    String body = Procs.body(l, "");
                    assertThat(body).contains("uri=" + uri + "\n");
                    assertThat(answered.add(uri)).as("answered once").isTrue();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } finally {
                    busyPids.remove(l.pid());
                    l.release();
                }
            }, io));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get();
        io.shutdown();
        assertThat(answered).hasSize(200);
        assertThat(overlap.get()).as("a child never had two requests").isZero();
        var s = pool.snapshot();
        assertThat(s.counters().leases()).isEqualTo(200);
        assertThat(s.children()).hasSize(4);
        assertThat(s.children().stream().mapToLong(c -> c.requestsServed()).sum()).isEqualTo(200);
        assertThat(s.counters().maxQueueLength()).isGreaterThan(0);
    }

    @Test
    void R55_leakyChildIsRecycledAfterTheRequestThatCrossesTheLimit() throws Exception {
        Pool pool = manager.addPool(PoolConfig.builder("r55", python()).pm(PmMode.STATIC).maxChildren(1)
                .rssLimitKb(100 * 1024).build());
        Set<Long> pids = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            Lease l = lease(pool, "/leak");
            assertThat(Procs.body(l, "leak=20")).startsWith("pid=");
            l.release();
            pids.add(l.pid());
        }
        assertThat(pool.snapshot().counters().exits(ExitReason.RSS)).isGreaterThanOrEqualTo(1);
        assertThat(pids).hasSizeGreaterThan(1);
    }

    @Test
    void R57_ondemandChildrenAreReapedAfterTheIdleTimeout() throws Exception {
        Pool pool = manager.addPool(PoolConfig.builder("r57", python()).pm(PmMode.ONDEMAND).maxChildren(3)
                .idleTimeout(Duration.ofMillis(300)).build());
        assertThat(pool.snapshot().children()).isEmpty();
        List<Lease> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(lease(pool, "/" + i));
        }
        for (Lease l : held) {
            assertThat(Procs.body(l, "")).startsWith("pid=");
            l.release();
        }
        await().until(() -> pool.snapshot().children().isEmpty());
        assertThat(pool.snapshot().counters().exits(ExitReason.IDLE)).isEqualTo(3);
        held.forEach(l -> await().until(() -> !Procs.alive(l.pid())));
    }

    @Test
    void rollingRestartUnderLoadFailsNoRequest() throws Exception {
        Pool pool = manager.addPool(PoolConfig.builder("roll", python()).pm(PmMode.STATIC).maxChildren(3)
                .queueTimeout(Duration.ofSeconds(30)).build());
        awaitIdle(pool, 3);
        Set<Long> before = new HashSet<>();
        pool.snapshot().children().forEach(c -> before.add(c.pid()));
        ExecutorService clients = Executors.newFixedThreadPool(3);
        CompletableFuture<Void> restart = new CompletableFuture<>();
        List<Future<Integer>> work = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            work.add(clients.submit(() -> {
                int n = 0;
                while (!restart.isDone() || n < 5) {
                    Lease l = lease(pool, "/roll");
                    assertThat(Procs.body(l, "sleep=5")).startsWith("pid=");
                    l.release();
                    n++;
                }
                return n;
            }));
        }
        pool.restart().whenComplete((v, e) -> restart.complete(null)).get();
        for (Future<Integer> f : work) {
            f.get();
        }
        clients.shutdown();
        assertThat(pool.snapshot().children()).extracting(c -> c.pid()).doesNotContainAnyElementsOf(before);
        assertThat(pool.snapshot().counters().exits(ExitReason.CRASH)).isZero();
    }
}
