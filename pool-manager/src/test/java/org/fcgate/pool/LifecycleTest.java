package org.fcgate.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.junit.jupiter.api.Test;

/** Drain, shutdown deadline, rolling restart. */
class LifecycleTest extends PoolTestSupport {

    @Test
    void drainRefusesNewCallersFinishesInFlightThenStops() {
        start(config().pm(PmMode.STATIC).maxChildren(2));
        Lease busy = lease();
        Lease other = lease();
        CompletableFuture<AcquireResult> queued = pool.acquire("/q");
        CompletableFuture<Void> drained = pool.drain();
        assertThat(pool.state()).isEqualTo(Pool.State.DRAINING);
        assertThat(rejected(queued)).isEqualTo(RejectReason.DRAINING);
        assertThat(rejected(pool.acquire("/new"))).isEqualTo(RejectReason.DRAINING);
        assertThat(drained).isNotDone();
        assertThat(busy.revoked()).isNotDone();
        busy.release();
        assertThat(drained).isNotDone();
        other.release();
        assertThat(drained).isCompleted();
        assertThat(pool.state()).isEqualTo(Pool.State.STOPPED);
        assertThat(pool.snapshot().counters().exits(ExitReason.SHUTDOWN)).isEqualTo(2);
    }

    @Test
    void shutdownRevokesRequestsStillRunningAtTheDeadline() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease busy = lease();
        CompletableFuture<Void> stopped = pool.shutdown(Duration.ofSeconds(5));
        clock.advance(Duration.ofMillis(4999));
        tick();
        assertThat(busy.revoked()).isNotDone();
        clock.advance(Duration.ofMillis(1));
        tick();
        assertThat(busy.revoked()).isCompletedWithValue(Revocation.SHUTDOWN);
        assertThat(stopped).isCompleted();
    }

    @Test
    void rollingRestartReplacesEveryChildWithoutFailingARequest() {
        start(config().pm(PmMode.STATIC).maxChildren(3));
        List<Long> old = pool.snapshot().children().stream().map(c -> c.id()).toList();
        Lease inFlight = lease();
        CompletableFuture<Void> restarted = pool.restart();
        List<Lease> served = new ArrayList<>();
        for (int i = 0; i < 20 && !restarted.isDone(); i++) {
            clock.advance(Duration.ofMillis(100));
            tick();
            CompletableFuture<AcquireResult> f = pool.acquire("/during");
            assertThat(f.join()).isInstanceOf(AcquireResult.Granted.class);
            Lease l = ((AcquireResult.Granted) f.join()).lease();
            served.add(l);
            l.release();
            if (i == 5) {
                inFlight.release();
            }
        }
        assertThat(restarted).isCompleted();
        assertThat(inFlight.revoked()).isNotDone();
        assertThat(pool.snapshot().children()).extracting(c -> c.id()).doesNotContainAnyElementsOf(old);
        assertThat(pool.snapshot().children()).hasSize(3);
        assertThat(pool.snapshot().counters().exits(ExitReason.RESTART)).isEqualTo(3);
        assertThat(count(ChildState.IDLE)).isEqualTo(3);
    }
}
