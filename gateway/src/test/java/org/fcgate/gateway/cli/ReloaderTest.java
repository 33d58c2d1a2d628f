package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.fcgate.gateway.admin.ReloadOutcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Reloader}: reloads run one at a time, off the caller's thread; a burst while one runs becomes one more
 * reload, whose result every caller of the burst gets; after close nothing runs.
 */
class ReloaderTest {

    /** An action that records its causes and blocks until released, one latch per run. */
    private final List<String> runs = new CopyOnWriteArrayList<>();
    private final List<CountDownLatch> gates = new CopyOnWriteArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger maxRunning = new AtomicInteger();
    private final Reloader reloader = new Reloader(causes -> {
        int n = running.incrementAndGet();
        maxRunning.accumulateAndGet(n, Math::max);
        runs.add(causes);
        CountDownLatch gate = new CountDownLatch(1);
        gates.add(gate);
        try {
            gate.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running.decrementAndGet();
        return new ReloadOutcome(ReloadOutcome.Result.APPLIED, runs.size() + 1, List.of(causes), List.of(),
                List.of());
    });

    @AfterEach
    void close() {
        gates.forEach(CountDownLatch::countDown);
        reloader.close(5);
    }

    private void awaitRuns(int n) {
        await().atMost(Duration.ofSeconds(10)).until(() -> gates.size() == n);
    }

    @Test
    void aBurstWhileOneRunsIsOneMoreReloadSharedByEveryCaller() {
        CompletableFuture<ReloadOutcome> first = reloader.request("SIGHUP");
        awaitRuns(1);
        List<CompletableFuture<ReloadOutcome>> burst = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            burst.add(reloader.request("SIGHUP"));
        }
        burst.add(reloader.request("POST /reload"));
        assertThat(burst).allMatch(f -> f == burst.get(0)).as("one waiting reload").isNotEmpty();
        assertThat(first).isNotDone();

        gates.get(0).countDown();
        assertThat(first.join().generation()).isEqualTo(2);
        awaitRuns(2);
        gates.get(1).countDown();
        ReloadOutcome second = burst.get(0).join();

        assertThat(runs).containsExactly("SIGHUP", "SIGHUP x9, POST /reload");
        assertThat(second.changes()).containsExactly("SIGHUP x9, POST /reload");
        assertThat(maxRunning.get()).as("never two at once").isEqualTo(1);
    }

    @Test
    void aRequestWhileNothingRunsStartsAtOnce() {
        CompletableFuture<ReloadOutcome> one = reloader.request("SIGHUP");
        awaitRuns(1);
        gates.get(0).countDown();
        one.join();
        CompletableFuture<ReloadOutcome> two = reloader.request("SIGHUP");
        assertThat(two).isNotSameAs(one);
        awaitRuns(2);
        gates.get(1).countDown();
        assertThat(two.join().result()).isEqualTo(ReloadOutcome.Result.APPLIED);
        assertThat(runs).hasSize(2);
    }

    @Test
    void afterCloseRequestsAreUnavailableAndAWaitingOneNeverRuns() {
        CompletableFuture<ReloadOutcome> running = reloader.request("SIGHUP");
        awaitRuns(1);
        CompletableFuture<ReloadOutcome> waiting = reloader.request("SIGHUP");
        Thread releaser = new Thread(() -> gates.get(0).countDown());
        CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> reloader.close(10));
        assertThat(waiting.join().result()).isEqualTo(ReloadOutcome.Result.UNAVAILABLE);
        releaser.start();
        closed.join();
        assertThat(running.join().result()).as("the running one finished").isEqualTo(ReloadOutcome.Result.APPLIED);
        assertThat(reloader.request("SIGHUP").join().errors()).containsExactly("the gateway is stopping");
        assertThat(runs).hasSize(1);
    }
}
