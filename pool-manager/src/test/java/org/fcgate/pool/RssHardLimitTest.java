package org.fcgate.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.status.ExitReason;
import org.fcgate.pool.supervise.Signal;
import org.junit.jupiter.api.Test;

/** R55 hard limit: checked by the tick while a child is busy; above it the child is killed mid-request. */
class RssHardLimitTest extends PoolTestSupport {

    @Test
    void R55_aBusyChildAboveTheHardLimitIsKilledAtOnceAndItsLeaseRevokedAsChildFailed() {
        start(config().pm(PmMode.STATIC).maxChildren(1).rssLimitKb(100_000).rssHardLimitKb(200_000));
        Lease l = lease();
        launcher.rss.put(l.childId(), 150_000L); // above the soft limit only: waits for the release
        clock.advance(Duration.ofMillis(250));
        tick();
        assertThat(l.revoked()).isNotDone();
        assertThat(launcher.signals).isEmpty();
        assertThat(pool.snapshot().children().get(0).rssKb()).as("sampled while busy").isEqualTo(150_000);

        launcher.rss.put(l.childId(), 200_001L);
        clock.advance(Duration.ofMillis(250));
        tick();
        assertThat(l.revoked()).isCompletedWithValue(Revocation.CHILD_FAILED);
        assertThat(launcher.signals).containsExactly(new FakeLauncher.Sent(l.childId(), Signal.KILL));
        assertThat(pool.snapshot().counters().exits(ExitReason.RSS)).isEqualTo(1);
        assertThat(pool.snapshot().counters().exits(ExitReason.CRASH)).isZero();
        l.release(); // a no-op after the revocation
        assertThat(lease().childId()).as("replaced").isNotEqualTo(l.childId());
    }

    @Test
    void exactlyAtTheHardLimitIsNotAbove() {
        start(config().pm(PmMode.STATIC).maxChildren(1).rssHardLimitKb(200_000));
        Lease l = lease();
        launcher.rss.put(l.childId(), 200_000L);
        tick();
        assertThat(l.revoked()).isNotDone();
        assertThat(launcher.signals).isEmpty();
    }

    @Test
    void idleChildrenAreNotSampledAndTheTickComesBackWhileOneIsBusy() {
        start(config().pm(PmMode.STATIC).maxChildren(2).rssHardLimitKb(200_000)
                .idleTimeout(Duration.ofHours(1)));
        launcher.rss.put(1L, 999_999L);
        launcher.rss.put(2L, 999_999L);
        assertThat(pool.tick(clock.getAsLong())).isEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(launcher.signals).isEmpty();
        Lease l = lease();
        launcher.rss.put(l.childId(), 1_000L);
        assertThat(pool.tick(clock.getAsLong())).isEqualTo(RssHardLimit.SAMPLE_INTERVAL.toNanos());
        assertThat(launcher.signals).isEmpty();
    }

    @Test
    void offByDefault() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease l = lease();
        launcher.rss.put(l.childId(), Long.MAX_VALUE);
        tick();
        assertThat(l.revoked()).isNotDone();
    }
}
