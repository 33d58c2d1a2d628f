package org.fcgate.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.fcgate.pool.status.RequestInfo;
import org.fcgate.pool.supervise.ExitStatus;
import org.junit.jupiter.api.Test;

/**
 * {@code write_ahead}: which busy child a request may be written ahead on (age, max_children, recycle budget, one per
 * child, same executor, youngest current request first), and what becomes of it (promotion when the current request
 * completes; {@link Revocation#NOT_STARTED} when it ends any other way; a child replaced when its holder gave up).
 */
class WriteAheadTest extends PoolTestSupport {

    private static final Executor LOOP_A = Runnable::run;
    private static final Executor LOOP_B = Runnable::run;
    private static final Duration AHEAD = Duration.ofMillis(50);

    /** A kept connection whose I/O runs on {@code home}; counts its closes. */
    private static final class Conn implements ChildConnection {
        final Executor home;
        int closes;

        Conn(Executor home) {
            this.home = home;
        }

        @Override
        public void close() {
            closes++;
        }

        @Override
        public Executor home() {
            return home;
        }
    }

    private CompletableFuture<AcquireResult> ahead(Executor home, String uri) {
        return pool.acquire(RequestInfo.ofUri(uri), home, WriteAhead.ALLOWED);
    }

    /** A granted lease whose whole request is written on a kept connection on {@code home}. */
    private Lease running(Executor home, Conn conn, String uri) {
        Lease l = granted(pool.acquire(RequestInfo.ofUri(uri), home));
        l.connectionInUse(conn);
        return l;
    }

    private void staticPool(int children) {
        start(config().pm(PmMode.STATIC).maxChildren(children).writeAhead(AHEAD));
    }

    @Test
    void aRequestGoesAheadOnTheBusyChildsKeptConnectionAndIsPromotedWhenTheCurrentOneCompletes() {
        staticPool(1);
        Conn conn = new Conn(LOOP_A);
        Lease current = running(LOOP_A, conn, "/1");
        Lease next = granted(ahead(LOOP_A, "/2"));
        assertThat(next.isAhead()).isTrue();
        assertThat(next.keptConnection()).isSameAs(conn);
        assertThat(next.childId()).isEqualTo(current.childId());
        assertThat(next.promoted()).isNotDone();
        assertThat(pool.snapshot().counters().leases()).isEqualTo(1); // counted at promotion

        clock.advance(Duration.ofMillis(5));
        current.release(conn);
        assertThat(next.promoted()).isCompleted();
        assertThat(next.revoked()).isNotDone();
        assertThat(conn.closes).isZero();
        assertThat(count(ChildState.BUSY)).isEqualTo(1);
        assertThat(pool.snapshot().counters().leases()).isEqualTo(2);
        assertThat(pool.snapshot().children().get(0).requestsServed()).isEqualTo(1);
        assertThat(pool.snapshot().children().get(0).requestStart()).isNotNull();

        next.release(conn);
        assertThat(count(ChildState.IDLE)).isEqualTo(1);
        assertThat(pool.snapshot().children().get(0).requestsServed()).isEqualTo(2);
    }

    @Test
    void offByDefaultAndNeverWithoutTheCallersConsent() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Conn conn = new Conn(LOOP_A);
        running(LOOP_A, conn, "/1");
        assertThat(ahead(LOOP_A, "/2")).isNotDone(); // queued
        pool.drain();

        launcher.launched.clear();
        start(config().pm(PmMode.STATIC).maxChildren(1).writeAhead(AHEAD));
        running(LOOP_A, new Conn(LOOP_A), "/1");
        assertThat(pool.acquire(RequestInfo.ofUri("/2"), LOOP_A, WriteAhead.NOT_ALLOWED)).isNotDone();
    }

    @Test
    void onlyOnAConnectionInUseOnTheCallersExecutor() {
        staticPool(1);
        Lease current = granted(pool.acquire(RequestInfo.ofUri("/1"), LOOP_A));
        CompletableFuture<AcquireResult> second = ahead(LOOP_A, "/2");
        assertThat(second).as("request not fully written yet").isNotDone();
        current.release(new Conn(LOOP_A));
        assertThat(granted(second).isAhead()).isFalse();
        granted(second).release(new Conn(LOOP_A));

        Lease onA = running(LOOP_A, new Conn(LOOP_A), "/3");
        CompletableFuture<AcquireResult> fromB = ahead(LOOP_B, "/4");
        assertThat(fromB).as("a connection is used from its own loop only").isNotDone();
        assertThat(onA).isNotNull();
    }

    @Test
    void notOnceTheCurrentRequestIsOlderThanWriteAhead() {
        staticPool(1);
        running(LOOP_A, new Conn(LOOP_A), "/1");
        clock.advance(AHEAD);
        assertThat(ahead(LOOP_A, "/2")).isNotDone();
    }

    @Test
    void notWhileTheDynamicPoolCanStillSpawn() {
        start(config().pm(PmMode.DYNAMIC).maxChildren(2).startServers(1).minSpareServers(1).maxSpareServers(1)
                .writeAhead(AHEAD));
        launcher.autoReady = false;
        running(LOOP_A, new Conn(LOOP_A), "/1");
        assertThat(pool.snapshot().children()).hasSize(1);
        CompletableFuture<AcquireResult> f = ahead(LOOP_A, "/2");
        assertThat(f).as("the queue drives a spawn instead").isNotDone();
    }

    @Test
    void notOnAChildWhoseRequestBudgetEndsWithTheCurrentRequest() {
        start(config().pm(PmMode.STATIC).maxChildren(1).maxRequests(2).writeAhead(AHEAD));
        Conn conn = new Conn(LOOP_A);
        Lease first = running(LOOP_A, conn, "/1");
        Lease second = granted(ahead(LOOP_A, "/2")); // 1 + 1 = 2 requests: within the budget
        first.release(conn);
        assertThat(second.promoted()).isCompleted();
        assertThat(ahead(LOOP_A, "/3")).as("a third would land on a child recycled after the second").isNotDone();
    }

    @Test
    void oneAheadPerChildAndTheYoungestCurrentRequestFirst() {
        staticPool(2);
        Conn c1 = new Conn(LOOP_A);
        Conn c2 = new Conn(LOOP_A);
        Lease older = running(LOOP_A, c1, "/old");
        clock.advance(Duration.ofMillis(10));
        Lease younger = running(LOOP_A, c2, "/young");
        Lease a1 = granted(ahead(LOOP_A, "/a1"));
        assertThat(a1.childId()).isEqualTo(younger.childId());
        Lease a2 = granted(ahead(LOOP_A, "/a2"));
        assertThat(a2.childId()).isEqualTo(older.childId());
        assertThat(ahead(LOOP_A, "/a3")).as("one ahead per child").isNotDone();
    }

    @Test
    void thePromotedChildTakesTheQueueHeadAheadAgain() {
        staticPool(1);
        Conn conn = new Conn(LOOP_A);
        Lease current = running(LOOP_A, conn, "/1");
        Lease second = granted(ahead(LOOP_A, "/2"));
        CompletableFuture<AcquireResult> third = ahead(LOOP_A, "/3");
        assertThat(third).isNotDone();
        current.release(conn);
        assertThat(second.promoted()).isCompleted();
        Lease t = granted(third);
        assertThat(t.isAhead()).isTrue();
        assertThat(t.keptConnection()).isSameAs(conn);
    }

    @Test
    void aWaiterOnTheConnectionsExecutorGoesAheadPassingOthersOnceAtMost() {
        staticPool(1);
        Conn conn = new Conn(LOOP_A);
        Lease current = running(LOOP_A, conn, "/1");
        clock.advance(AHEAD); // too old: both wait
        CompletableFuture<AcquireResult> b = ahead(LOOP_B, "/b");
        CompletableFuture<AcquireResult> a = ahead(LOOP_A, "/a");
        assertThat(b).isNotDone();
        assertThat(a).isNotDone();
        current.release(conn); // to b? No: a is on the connection's loop and b may be passed over once
        Lease onA = granted(a);
        assertThat(onA.isAhead()).isFalse();
        assertThat(b).isNotDone();
        CompletableFuture<AcquireResult> a2 = ahead(LOOP_A, "/a2"); // queued behind b
        assertThat(a2).isNotDone();
        onA.connectionInUse(conn); // b was passed over once already: a2 does not go ahead of it
        assertThat(a2).isNotDone();
        onA.release(conn);
        assertThat(granted(b).uri()).isEqualTo("/b");
    }

    @Test
    void aBrokenCurrentRequestRevokesTheOneAheadAsNotStarted() {
        staticPool(1);
        Conn conn = new Conn(LOOP_A);
        Lease current = running(LOOP_A, conn, "/1");
        Lease next = granted(ahead(LOOP_A, "/2"));
        current.releaseBroken();
        assertThat(next.revoked()).isCompletedWithValue(Revocation.NOT_STARTED);
        assertThat(next.promoted()).isNotDone();
        next.releaseBroken(); // a no-op after the revocation
        assertThat(pool.snapshot().counters().leases()).isEqualTo(1);
    }

    @Test
    void aTimedOutCurrentRequestRevokesTheOneAheadAsNotStarted() {
        start(config().pm(PmMode.STATIC).maxChildren(1).writeAhead(AHEAD).requestTimeout(Duration.ofSeconds(1)));
        Conn conn = new Conn(LOOP_A);
        running(LOOP_A, conn, "/1");
        Lease next = granted(ahead(LOOP_A, "/2"));
        clock.advance(Duration.ofSeconds(1));
        tick();
        assertThat(next.revoked()).isCompletedWithValue(Revocation.NOT_STARTED);
    }

    @Test
    void aChildThatDiesRevokesTheOneAheadAsNotStarted() {
        staticPool(1);
        Conn conn = new Conn(LOOP_A);
        Lease current = running(LOOP_A, conn, "/1");
        Lease next = granted(ahead(LOOP_A, "/2"));
        launcher.exit(current.childId(), ExitStatus.signaled(9));
        assertThat(current.revoked()).isCompletedWithValue(Revocation.CHILD_FAILED);
        assertThat(next.revoked()).isCompletedWithValue(Revocation.NOT_STARTED);
    }

    @Test
    void aChildRecycledAfterTheCurrentRequestRevokesTheOneAhead() {
        staticPool(1);
        Conn conn = new Conn(LOOP_A);
        Lease current = running(LOOP_A, conn, "/1");
        Lease next = granted(ahead(LOOP_A, "/2"));
        pool.restart(); // the current child is now of an old generation: replaced after its request
        current.release(conn);
        assertThat(next.revoked()).isCompletedWithValue(Revocation.NOT_STARTED);
        assertThat(conn.closes).isPositive();
    }

    @Test
    void aConnectionNotKeptRevokesTheOneAhead() {
        staticPool(1);
        Conn conn = new Conn(LOOP_A);
        Lease current = running(LOOP_A, conn, "/1");
        Lease next = granted(ahead(LOOP_A, "/2"));
        current.release(); // closed after the request: the bytes written ahead went with it
        assertThat(next.revoked()).isCompletedWithValue(Revocation.NOT_STARTED);
        assertThat(count(ChildState.IDLE)).isEqualTo(1);
    }

    @Test
    void aRequestGivenUpAfterItWasWrittenAheadReplacesTheChildOnceTheCurrentOneEnds() {
        staticPool(1);
        launcher.exitOnSignal = false;
        Conn conn = new Conn(LOOP_A);
        Lease current = running(LOOP_A, conn, "/1");
        Lease next = granted(ahead(LOOP_A, "/2"));
        next.releaseBroken();
        assertThat(ahead(LOOP_A, "/3")).as("nothing else goes ahead meanwhile").isNotDone();
        current.release(conn);
        assertThat(next.promoted()).isNotDone();
        assertThat(conn.closes).isPositive();
        assertThat(pool.snapshot().children()).anyMatch(c -> c.state() == ChildState.STOPPING);
        launcher.exit(current.childId(), ExitStatus.exited(0));
        assertThat(pool.snapshot().counters().exits(ExitReason.BROKEN)).isEqualTo(1);
        // The child went on to read it when the current one completed (it runs though nobody reads its answer): a
        // request the pool served, as nginx counts one whose client left (499).
        assertThat(pool.snapshot().counters().leases()).isEqualTo(2);
        assertThat(pool.snapshot().counters().writtenAhead()).isZero();
    }

    @Test
    void aRequestGivenUpAfterItWasWrittenAheadOfOneThatBrokeWasNeverStartedNorCounted() {
        staticPool(1);
        launcher.exitOnSignal = false;
        Conn conn = new Conn(LOOP_A);
        Lease current = running(LOOP_A, conn, "/1");
        Lease next = granted(ahead(LOOP_A, "/2"));
        next.releaseBroken();
        current.releaseBroken();
        assertThat(pool.snapshot().counters().leases()).isEqualTo(1);
        assertThat(pool.snapshot().counters().writtenAhead()).isZero();
    }

    @Test
    void aRequestWrittenAheadWaitsInTheListenQueueUntilItsPromotion() {
        staticPool(2);
        Conn c1 = new Conn(LOOP_A);
        Conn c2 = new Conn(LOOP_A);
        Lease first = running(LOOP_A, c1, "/1");
        running(LOOP_A, c2, "/2");
        Lease a1 = granted(ahead(LOOP_A, "/a1"));
        assertThat(pool.snapshot().counters().writtenAhead()).isEqualTo(1);
        granted(ahead(LOOP_A, "/a2"));
        CompletableFuture<AcquireResult> queued = ahead(LOOP_A, "/q");
        assertThat(queued).isNotDone();
        var c = pool.snapshot().counters();
        assertThat(c.writtenAhead()).isEqualTo(2);
        assertThat(c.queueLength()).isEqualTo(1);
        assertThat(c.waitingNow()).isEqualTo(3);
        assertThat(c.maxQueueLength()).as("queued and written ahead at once").isEqualTo(3);
        assertThat(c.maxChildrenReached()).as("each waited with max_children running").isEqualTo(3);
        assertThat(c.leases()).isEqualTo(2);

        Lease promoted = first.childId() == a1.childId() ? a1 : null;
        first.release(c1); // the one ahead on it is promoted, the queued one goes ahead behind it
        assertThat(promoted == null || promoted.promoted().isDone()).isTrue();
        assertThat(granted(queued).isAhead()).isTrue();
        c = pool.snapshot().counters();
        assertThat(c.writtenAhead()).isEqualTo(2);
        assertThat(c.queueLength()).isZero();
        assertThat(c.maxQueueLength()).isEqualTo(3);
        assertThat(c.maxChildrenReached()).as("counted once, when it queued").isEqualTo(3);
        assertThat(c.leases()).isEqualTo(3);
    }

    @Test
    void withoutWriteAheadTheListenQueueIsTheQueue() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        running(LOOP_A, new Conn(LOOP_A), "/1");
        assertThat(ahead(LOOP_A, "/2")).isNotDone();
        var c = pool.snapshot().counters();
        assertThat(c.writtenAhead()).isZero();
        assertThat(c.waitingNow()).isEqualTo(1);
        assertThat(c.maxQueueLength()).isEqualTo(1);
    }

    @Test
    void aRequestGivenUpBeforeItWasWrittenLeavesTheChildAsItWas() {
        staticPool(1);
        Conn conn = new Conn(LOOP_A);
        Lease current = running(LOOP_A, conn, "/1");
        Lease next = granted(ahead(LOOP_A, "/2"));
        next.releaseUnused();
        Lease again = granted(ahead(LOOP_A, "/3"));
        current.release(conn);
        assertThat(again.promoted()).isCompleted();
        assertThat(count(ChildState.BUSY)).isEqualTo(1);
    }

    @Test
    void requestTimeoutRunsFromThePromotion() {
        start(config().pm(PmMode.STATIC).maxChildren(1).writeAhead(AHEAD).requestTimeout(Duration.ofSeconds(1)));
        Conn conn = new Conn(LOOP_A);
        Lease current = running(LOOP_A, conn, "/1");
        Lease next = granted(ahead(LOOP_A, "/2"));
        clock.advance(Duration.ofMillis(900));
        current.release(conn);
        clock.advance(Duration.ofMillis(900));
        tick();
        assertThat(next.revoked()).isNotDone();
        clock.advance(Duration.ofMillis(100));
        tick();
        assertThat(next.revoked()).isCompletedWithValue(Revocation.TIMED_OUT);
    }
}
