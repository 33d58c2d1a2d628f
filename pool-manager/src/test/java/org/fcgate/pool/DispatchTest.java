package org.fcgate.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.PoolSnapshot;
import org.junit.jupiter.api.Test;

/** Lease dispatch: MRU order, exclusivity, the bounded FIFO queue and its distinct refusals. */
class DispatchTest extends PoolTestSupport {

    @Test
    void mostRecentlyReleasedChildIsLeasedFirst() {
        start(config().pm(PmMode.STATIC).maxChildren(3));
        Lease a = lease();
        Lease b = lease();
        Lease c = lease();
        b.release();
        a.release();
        c.release();
        assertThat(lease().childId()).isEqualTo(c.childId());
        assertThat(lease().childId()).isEqualTo(a.childId());
        assertThat(lease().childId()).isEqualTo(b.childId());
    }

    @Test
    void aChildIsNeverLeasedTwiceAtOnce() {
        start(config().pm(PmMode.STATIC).maxChildren(4).queueMax(100));
        List<Lease> held = new ArrayList<>();
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            Lease l = lease();
            assertThat(ids.add(l.childId())).isTrue();
            held.add(l);
        }
        CompletableFuture<AcquireResult> fifth = pool.acquire("/5");
        assertThat(fifth).isNotDone();
        held.get(2).release();
        assertThat(granted(fifth).childId()).isEqualTo(held.get(2).childId());
        assertThat(pool.snapshot().count(ChildState.BUSY)).isEqualTo(4);
    }

    @Test
    void R60_callersBeyondQueueMaxAreRefusedImmediately() {
        start(config().pm(PmMode.STATIC).maxChildren(1).queueMax(2));
        lease();
        CompletableFuture<AcquireResult> q1 = pool.acquire("/q1");
        CompletableFuture<AcquireResult> q2 = pool.acquire("/q2");
        CompletableFuture<AcquireResult> over = pool.acquire("/over");
        assertThat(q1).isNotDone();
        assertThat(q2).isNotDone();
        assertThat(rejected(over)).isEqualTo(RejectReason.QUEUE_FULL);
        AcquireResult.Rejected r = (AcquireResult.Rejected) over.join();
        assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        PoolSnapshot s = pool.snapshot();
        assertThat(s.counters().queueLength()).isEqualTo(2);
        assertThat(s.counters().maxQueueLength()).isEqualTo(2);
        assertThat(s.counters().rejectedQueueFull()).isEqualTo(1);
        assertThat(s.counters().maxChildrenReached()).isEqualTo(2);
    }

    @Test
    void R60_queuedCallersAreServedFirstInFirstOut() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease first = lease();
        List<CompletableFuture<AcquireResult>> queued = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            queued.add(pool.acquire("/q" + i));
        }
        Lease current = first;
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofMillis(10));
            current.release();
            for (int j = i + 1; j < 5; j++) {
                assertThat(queued.get(j)).isNotDone();
            }
            current = granted(queued.get(i));
            assertThat(current.uri()).isEqualTo("/q" + i);
        }
        assertThat(pool.snapshot().counters().queueWaitTotal()).isEqualTo(Duration.ofMillis(10 + 20 + 30 + 40 + 50));
    }

    @Test
    void R60_queueWaitPastQueueTimeoutIsRefusedWithItsOwnReason() {
        start(config().pm(PmMode.STATIC).maxChildren(1).queueTimeout(Duration.ofSeconds(2)));
        lease();
        CompletableFuture<AcquireResult> waiting = pool.acquire("/w");
        clock.advance(Duration.ofMillis(1999));
        tick();
        assertThat(waiting).isNotDone();
        clock.advance(Duration.ofMillis(1));
        tick();
        assertThat(rejected(waiting)).isEqualTo(RejectReason.QUEUE_TIMEOUT);
        assertThat(pool.snapshot().counters().rejectedQueueTimeout()).isEqualTo(1);
        assertThat(pool.snapshot().counters().queueLength()).isZero();
    }

    @Test
    void tickReportsTheDelayUntilTheNextQueueDeadline() {
        start(config().pm(PmMode.STATIC).maxChildren(1).queueTimeout(Duration.ofMillis(300)));
        lease();
        pool.acquire("/w");
        assertThat(pool.tick(clock.getAsLong())).isEqualTo(Duration.ofMillis(300).toNanos());
    }

    @Test
    void aCancelledWaiterGivesUpItsPlaceAndTheChildGoesToTheNext() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease l = lease();
        CompletableFuture<AcquireResult> gaveUp = pool.acquire("/gave-up");
        CompletableFuture<AcquireResult> next = pool.acquire("/next");
        gaveUp.cancel(false);
        l.release();
        assertThat(granted(next).uri()).isEqualTo("/next");
    }

    @Test
    void releasingTwiceIsAMisuse() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease l = lease();
        l.release();
        assertThatThrownBy(l::release).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void releaseBrokenStopsAndReplacesTheChild() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease l = lease();
        l.releaseBroken();
        assertThat(launcher.signals).extracting(FakeLauncher.Sent::childId).containsExactly(l.childId());
        clock.advance(Duration.ofSeconds(1)); // spawn pacing
        tick();
        Lease next = lease();
        assertThat(next.childId()).isNotEqualTo(l.childId());
        assertThat(pool.snapshot().counters().exits(org.fcgate.pool.status.ExitReason.BROKEN)).isEqualTo(1);
    }

    @Test
    void snapshotShowsTheBusyChildsRequest() {
        start(config().pm(PmMode.STATIC).maxChildren(2));
        Lease l = granted(pool.acquire("/busy?x=1"));
        clock.advance(Duration.ofMillis(250));
        var row = pool.snapshot().children().stream().filter(c -> c.id() == l.childId()).findFirst().orElseThrow();
        assertThat(row.state()).isEqualTo(ChildState.BUSY);
        assertThat(row.requestUri()).isEqualTo("/busy?x=1");
        assertThat(row.requestStart()).isNotNull();
        l.release();
        row = pool.snapshot().children().stream().filter(c -> c.id() == l.childId()).findFirst().orElseThrow();
        assertThat(row.state()).isEqualTo(ChildState.IDLE);
        assertThat(row.requestsServed()).isEqualTo(1);
        assertThat(row.lastDuration()).isEqualTo(Duration.ofMillis(250));
        assertThat(pool.snapshot().counters().leases()).isEqualTo(1);
    }
}
