package org.fcgate.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.status.RequestInfo;
import org.junit.jupiter.api.Test;

/**
 * A child freed with a kept connection on an executor goes to a waiter on that executor ahead of the queue head, but
 * never passes over the same waiter twice, and never when nothing is kept or nobody waits on that executor.
 */
class DispatchAffinityTest extends PoolTestSupport {

    private static final Executor LOOP_A = Runnable::run;
    private static final Executor LOOP_B = Runnable::run;

    /** A kept connection whose I/O runs on {@code home}. */
    private record Kept(Executor home) implements ChildConnection {
        @Override
        public void close() {
        }
    }

    private CompletableFuture<AcquireResult> acquireOn(Executor home, String uri) {
        return pool.acquire(RequestInfo.ofUri(uri), home);
    }

    @Test
    void aChildFreedOnALoopGoesToTheFirstWaiterOnThatLoop() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease held = lease();
        CompletableFuture<AcquireResult> onB = acquireOn(LOOP_B, "/b");
        CompletableFuture<AcquireResult> onA = acquireOn(LOOP_A, "/a");
        held.release(new Kept(LOOP_A));
        assertThat(granted(onA).uri()).isEqualTo("/a");
        assertThat(granted(onA).keptConnection()).isEqualTo(new Kept(LOOP_A));
        assertThat(onB).isNotDone();
    }

    @Test
    void aWaiterIsPassedOverOnceAtMost() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease held = lease();
        CompletableFuture<AcquireResult> b1 = acquireOn(LOOP_B, "/b1");
        CompletableFuture<AcquireResult> a1 = acquireOn(LOOP_A, "/a1");
        CompletableFuture<AcquireResult> a2 = acquireOn(LOOP_A, "/a2");
        held.release(new Kept(LOOP_A));
        Lease second = granted(a1); // b1 passed over once
        second.release(new Kept(LOOP_A));
        Lease third = granted(b1); // b1 may not be passed over again, though a2 is on loop A
        assertThat(third.uri()).isEqualTo("/b1");
        assertThat(a2).isNotDone();
        third.release(new Kept(LOOP_B));
        assertThat(granted(a2).uri()).isEqualTo("/a2");
    }

    @Test
    void withoutAKeptConnectionOrAWaiterOnItsLoopTheHeadIsServed() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease held = lease();
        CompletableFuture<AcquireResult> b1 = acquireOn(LOOP_B, "/b1");
        CompletableFuture<AcquireResult> a1 = acquireOn(LOOP_A, "/a1");
        held.release(); // nothing kept: FIFO
        Lease next = granted(b1);
        assertThat(a1).isNotDone();
        CompletableFuture<AcquireResult> b2 = acquireOn(LOOP_B, "/b2");
        next.release(new Kept(LOOP_B)); // the head a1 is on loop A, b2 on B: b2 goes first, a1 passed once
        Lease afterB = granted(b2);
        assertThat(a1).isNotDone();
        afterB.release(new Kept(LOOP_B));
        assertThat(granted(a1).uri()).isEqualTo("/a1");
    }

    @Test
    void cancelledWaitersOnTheLoopAreSkipped() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease held = lease();
        CompletableFuture<AcquireResult> b1 = acquireOn(LOOP_B, "/b1");
        CompletableFuture<AcquireResult> a1 = acquireOn(LOOP_A, "/a1");
        a1.cancel(false);
        held.release(new Kept(LOOP_A));
        assertThat(granted(b1).uri()).isEqualTo("/b1");
        assertThat(pool.snapshot().counters().queueLength()).isZero();
    }
}
