package org.fcgate.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.fcgate.pool.supervise.Signal;
import org.junit.jupiter.api.Test;

/** Recycling after max requests (with jitter), max lifetime, RSS — always after the request, never during. */
class RecycleTest extends PoolTestSupport {

    @Test
    void R54_recycleAfterMaxRequests() {
        start(config().pm(PmMode.STATIC).maxChildren(1).maxRequests(3));
        Set<Long> children = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofSeconds(1));
            tick();
            Lease l = lease();
            children.add(l.childId());
            assertThat(l.revoked()).isNotDone();
            l.release();
        }
        assertThat(children).hasSize(4);
        assertThat(pool.snapshot().counters().exits(ExitReason.MAX_REQUESTS)).isEqualTo(3);
    }

    @Test
    void R54_maxRequestsJitterStaysWithinBounds() {
        start(config().pm(PmMode.STATIC).maxChildren(1).maxRequests(10).maxRequestsJitter(3));
        Set<Long> servedPerChild = new HashSet<>();
        long served = 0;
        long child = -1;
        for (int i = 0; i < 400; i++) {
            clock.advance(Duration.ofSeconds(1));
            tick();
            Lease l = lease();
            if (l.childId() != child) {
                if (child >= 0) {
                    servedPerChild.add(served);
                }
                child = l.childId();
                served = 0;
            }
            served++;
            l.release();
        }
        assertThat(servedPerChild).allMatch(n -> n >= 7 && n <= 13);
        assertThat(servedPerChild).as("jitter varies").hasSizeGreaterThan(1);
    }

    @Test
    void recycleAfterMaxLifetimeWaitsForTheRunningRequest() {
        start(config().pm(PmMode.STATIC).maxChildren(1).maxLifetime(Duration.ofSeconds(60)));
        Lease l = lease();
        clock.advance(Duration.ofSeconds(61));
        tick();
        assertThat(launcher.signals).as("never during a request").isEmpty();
        l.release();
        assertThat(launcher.signals).containsExactly(new FakeLauncher.Sent(l.childId(), Signal.TERM));
        assertThat(pool.snapshot().counters().exits(ExitReason.LIFETIME)).isEqualTo(1);
    }

    @Test
    void idleChildPastMaxLifetimeIsRecycledByTick() {
        start(config().pm(PmMode.STATIC).maxChildren(1).maxLifetime(Duration.ofSeconds(60)));
        clock.advance(Duration.ofSeconds(60));
        tick();
        assertThat(pool.snapshot().counters().exits(ExitReason.LIFETIME)).isEqualTo(1);
    }

    @Test
    void R55_recycleWhenRssPassesTheLimitAfterTheRequest() {
        start(config().pm(PmMode.STATIC).maxChildren(1).rssLimitKb(100_000));
        Lease l = lease();
        launcher.rss.put(l.childId(), 80_000L);
        l.release();
        assertThat(count(ChildState.IDLE)).isEqualTo(1);
        Lease again = lease();
        assertThat(again.childId()).isEqualTo(l.childId());
        launcher.rss.put(l.childId(), 120_000L);
        again.release();
        assertThat(pool.snapshot().counters().exits(ExitReason.RSS)).isEqualTo(1);
    }
}
