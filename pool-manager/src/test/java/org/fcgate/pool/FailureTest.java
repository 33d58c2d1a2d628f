package org.fcgate.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.fcgate.pool.supervise.ExitStatus;
import org.fcgate.pool.supervise.Signal;
import org.junit.jupiter.api.Test;

/** Request timeouts, children dying idle or mid-request, start-up failures and the crash-loop backoff. */
class FailureTest extends PoolTestSupport {

    @Test
    void R52_requestPastTimeoutIsRevokedThenTermThenKillAfterGrace() {
        launcher.exitOnSignal = false; // a child that ignores SIGTERM
        start(config().pm(PmMode.STATIC).maxChildren(2).requestTimeout(Duration.ofSeconds(2))
                .killGrace(Duration.ofSeconds(1)));
        Lease hung = lease();
        clock.advance(Duration.ofMillis(1000));
        Lease other = lease();
        clock.advance(Duration.ofMillis(999));
        tick();
        assertThat(hung.revoked()).isNotDone();
        clock.advance(Duration.ofMillis(1));
        tick();
        assertThat(hung.revoked()).isCompletedWithValue(Revocation.TIMED_OUT);
        assertThat(launcher.signals).containsExactly(new FakeLauncher.Sent(hung.childId(), Signal.TERM));
        clock.advance(Duration.ofMillis(500));
        other.release();
        clock.advance(Duration.ofMillis(499));
        tick();
        assertThat(launcher.signals).hasSize(1);
        clock.advance(Duration.ofMillis(1));
        tick();
        assertThat(launcher.signals).containsExactly(new FakeLauncher.Sent(hung.childId(), Signal.TERM),
                new FakeLauncher.Sent(hung.childId(), Signal.KILL));
        hung.release(); // the caller finds out late: a no-op
        launcher.exit(hung.childId(), ExitStatus.signaled(9));
        assertThat(other.revoked()).as("other children unaffected").isNotDone();
        tick();
        assertThat(pool.snapshot().counters().exits(ExitReason.TIMEOUT)).isEqualTo(1);
        assertThat(count(ChildState.IDLE)).as("slot respawned, other child kept").isEqualTo(2);
    }

    @Test
    void childDyingMidRequestRevokesWithChildFailedAndIsReplaced() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease l = lease();
        clock.advance(Duration.ofSeconds(1));
        launcher.exit(l.childId(), ExitStatus.signaled(9));
        assertThat(l.revoked()).isCompletedWithValue(Revocation.CHILD_FAILED);
        assertThat(pool.snapshot().counters().exits(ExitReason.CRASH)).isEqualTo(1);
        assertThat(lease().childId()).isNotEqualTo(l.childId());
    }

    @Test
    void childDyingIdleIsReplacedAndNeverLeased() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        long id = pool.snapshot().children().get(0).id();
        clock.advance(Duration.ofSeconds(1));
        launcher.exit(id, ExitStatus.exited(255));
        assertThat(lease().childId()).isNotEqualTo(id);
    }

    @Test
    void cleanExitAfterServingCountsAsExitedNotCrash() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease l = lease();
        l.release();
        launcher.exit(l.childId(), ExitStatus.exited(0));
        assertThat(pool.snapshot().counters().exits(ExitReason.EXITED)).isEqualTo(1);
        assertThat(pool.snapshot().counters().exits(ExitReason.CRASH)).isZero();
    }

    @Test
    void childNotReadyWithinSpawnTimeoutIsStopped() {
        launcher.autoReady = false;
        start(config().pm(PmMode.STATIC).maxChildren(1).spawnTimeout(Duration.ofSeconds(3)));
        clock.advance(Duration.ofSeconds(3));
        tick();
        assertThat(launcher.signals).containsExactly(new FakeLauncher.Sent(1, Signal.TERM));
        assertThat(pool.snapshot().counters().exits(ExitReason.SPAWN_FAILED)).isEqualTo(1);
    }

    @Test
    void crashLoopBacksOffExponentiallyAndMarksThePoolDegraded() {
        launcher.autoReady = false;
        start(config().pm(PmMode.STATIC).maxChildren(1).crashThreshold(3).crashWindow(Duration.ofSeconds(10))
                .crashBackoffInitial(Duration.ofSeconds(1)).crashBackoffMax(Duration.ofSeconds(4)));
        // three start-up deaths in a row trip the guard
        for (int i = 0; i < 3; i++) {
            long id = lastLaunched();
            launcher.exit(id, ExitStatus.exited(1));
            clock.advance(Duration.ofMillis(10));
            tick();
        }
        assertThat(pool.snapshot().degraded()).isTrue();
        int launches = launcher.launched.size() + 3;
        // blocked for 1 s: no spawn, callers refused at once with DEGRADED
        assertThat(rejected(pool.acquire("/x"))).isEqualTo(RejectReason.DEGRADED);
        clock.advance(Duration.ofMillis(900));
        tick();
        assertThat(spawns()).isEqualTo(3);
        clock.advance(Duration.ofMillis(100));
        tick();
        assertThat(spawns()).isEqualTo(4);
        // three more failures: the next backoff doubles to 2 s
        for (int i = 0; i < 3; i++) {
            launcher.exit(lastLaunched(), ExitStatus.exited(1));
            clock.advance(Duration.ofMillis(10));
            tick();
        }
        long before = spawns();
        clock.advance(Duration.ofMillis(1900));
        tick();
        assertThat(spawns()).isEqualTo(before);
        clock.advance(Duration.ofMillis(100));
        tick();
        assertThat(spawns()).isEqualTo(before + 1);
        // a child finally answers: no longer degraded
        launcher.ready(lastLaunched());
        assertThat(pool.snapshot().degraded()).isFalse();
        assertThat(launches).isPositive();
    }

    @Test
    void queuedCallersAreRefusedWhenThePoolDegradesWithNoChildLeft() {
        launcher.autoReady = false;
        start(config().pm(PmMode.ONDEMAND).maxChildren(1).crashThreshold(1));
        CompletableFuture<AcquireResult> waiting = pool.acquire("/w");
        assertThat(waiting).isNotDone();
        launcher.exit(lastLaunched(), ExitStatus.exited(1));
        assertThat(rejected(waiting)).isEqualTo(RejectReason.DEGRADED);
    }

    private long lastLaunched() {
        return launcher.launched.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
    }

    private long spawns() {
        return pool.snapshot().counters().spawns();
    }
}
