package org.fcgate.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.status.ChildSnapshot;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.fcgate.pool.supervise.Signal;
import org.junit.jupiter.api.Test;

/** {@link Pool#stopChild}: only this pool's live children, by pid; counted as KILLED, replaced by the sizing mode. */
class StopChildTest extends PoolTestSupport {

    @Test
    void anIdleChildIsStoppedCountedAsKilledAndReplaced() {
        start(config().pm(PmMode.STATIC).maxChildren(2));
        long pid = pool.snapshot().children().get(0).pid();

        assertThat(pool.stopChild(pid)).isEqualTo(Pool.ChildStop.STOPPING);

        assertThat(launcher.signals).extracting(FakeLauncher.Sent::signal).containsExactly(Signal.TERM);
        assertThat(pool.snapshot().counters().exits(ExitReason.KILLED)).isEqualTo(1);
        assertThat(pool.snapshot().counters().exits(ExitReason.CRASH)).as("not a crash").isZero();
        clock.advance(Duration.ofMillis(1)); // spawn pacing
        tick();
        assertThat(pool.snapshot().children()).extracting(ChildSnapshot::pid).doesNotContain(pid).hasSize(2);
        assertThat(count(ChildState.IDLE)).isEqualTo(2);
    }

    @Test
    void aBusyChildsRequestIsRevokedAsChildFailed() {
        launcher.exitOnSignal = false;
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease lease = lease();
        CompletableFuture<Revocation> revoked = lease.revoked();

        assertThat(pool.stopChild(lease.pid())).isEqualTo(Pool.ChildStop.STOPPING);

        assertThat(revoked).isCompletedWithValue(Revocation.CHILD_FAILED);
        assertThat(count(ChildState.STOPPING)).isEqualTo(1);
        assertThat(pool.stopChild(lease.pid())).as("a second kill").isEqualTo(Pool.ChildStop.ALREADY_STOPPING);
        lease.release(); // a revoked lease: no-op
        assertThat(launcher.signals).hasSize(1);
    }

    @Test
    void pidsThatAreNotLiveChildrenOfThePoolAreLeftAlone() {
        start(config().pm(PmMode.STATIC).maxChildren(2));
        long self = ProcessHandle.current().pid();

        assertThat(pool.stopChild(self)).isEqualTo(Pool.ChildStop.NOT_A_CHILD);
        assertThat(pool.stopChild(1)).isEqualTo(Pool.ChildStop.NOT_A_CHILD);
        assertThat(pool.stopChild(0)).isEqualTo(Pool.ChildStop.NOT_A_CHILD);
        assertThat(pool.stopChild(-1)).isEqualTo(Pool.ChildStop.NOT_A_CHILD);
        assertThat(pool.stopChild(999_999)).isEqualTo(Pool.ChildStop.NOT_A_CHILD);

        assertThat(launcher.signals).isEmpty();
        assertThat(count(ChildState.IDLE)).isEqualTo(2);
    }
}
