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

/** static / dynamic / ondemand sizing and spawn pacing over a manual clock. */
class SizingTest extends PoolTestSupport {

    @Test
    void staticKeepsMaxChildrenAndRefillsAfterAnExit() {
        start(config().pm(PmMode.STATIC).maxChildren(4));
        assertThat(count(ChildState.IDLE)).isEqualTo(4);
        launcher.exit(1, org.fcgate.pool.supervise.ExitStatus.signaled(9));
        clock.advance(Duration.ofSeconds(1));
        tick();
        assertThat(count(ChildState.IDLE)).isEqualTo(4);
        clock.advance(Duration.ofHours(1));
        tick();
        assertThat(count(ChildState.IDLE)).as("static never idles out").isEqualTo(4);
    }

    @Test
    void dynamicStartsStartServersKeepsMinSpareAndStopsAboveMaxSpare() {
        start(config().pm(PmMode.DYNAMIC).maxChildren(6).startServers(2).minSpareServers(2).maxSpareServers(3));
        assertThat(count(ChildState.IDLE)).isEqualTo(2);
        Lease a = lease();
        clock.advance(Duration.ofMillis(10));
        tick(); // idle 1 < min spare 2
        assertThat(count(ChildState.IDLE)).isEqualTo(2);
        Lease b = lease();
        Lease c = lease();
        clock.advance(Duration.ofMillis(10));
        tick();
        clock.advance(Duration.ofMillis(10));
        tick();
        assertThat(count(ChildState.IDLE)).isEqualTo(2);
        assertThat(count(ChildState.BUSY)).isEqualTo(3);
        a.release();
        b.release();
        c.release(); // 5 idle > max spare 3
        tick();
        assertThat(count(ChildState.IDLE)).isEqualTo(3);
        assertThat(pool.snapshot().counters().exits(ExitReason.IDLE)).isEqualTo(2);
    }

    @Test
    void R57_dynamicReapsChildrenAboveMinSpareAfterIdleTimeoutLeastRecentlyUsedFirst() {
        start(config().pm(PmMode.DYNAMIC).maxChildren(3).startServers(1).minSpareServers(1).maxSpareServers(3)
                .idleTimeout(Duration.ofSeconds(10)));
        List<Lease> ls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofMillis(10));
            tick();
            ls.add(lease());
        }
        clock.advance(Duration.ofMillis(10));
        tick();
        for (Lease l : ls) {
            clock.advance(Duration.ofSeconds(1));
            l.release();
        }
        long mru = ls.get(2).childId();
        clock.advance(Duration.ofSeconds(8)); // the LRU child has idled 10 s, the next 9 s
        tick();
        assertThat(pool.snapshot().children()).hasSize(2);
        clock.advance(Duration.ofSeconds(1));
        tick();
        assertThat(pool.snapshot().children()).extracting(c -> c.id()).containsExactly(mru);
    }

    @Test
    void ondemandHasNoChildAtRestSpawnsOnDemandAndReapsAfterIdleTimeout() {
        start(config().pm(PmMode.ONDEMAND).maxChildren(4).idleTimeout(Duration.ofSeconds(10)));
        assertThat(pool.snapshot().children()).isEmpty();
        Lease l = lease();
        l.release();
        assertThat(count(ChildState.IDLE)).isEqualTo(1);
        clock.advance(Duration.ofMillis(9999));
        tick();
        assertThat(count(ChildState.IDLE)).isEqualTo(1);
        clock.advance(Duration.ofMillis(1));
        tick();
        assertThat(pool.snapshot().children()).isEmpty();
        assertThat(pool.snapshot().counters().exits(ExitReason.IDLE)).isEqualTo(1);
    }

    @Test
    void R57_ondemandShrinksAfterABurstBecauseDispatchIsMostRecentlyUsed() {
        start(config().pm(PmMode.ONDEMAND).maxChildren(4).idleTimeout(Duration.ofSeconds(10)));
        List<CompletableFuture<AcquireResult>> burst = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            burst.add(pool.acquire("/burst"));
        }
        for (int i = 0; i < 4; i++) {
            clock.advance(Duration.ofMillis(1)); // spawn pacing
            tick();
        }
        burst.forEach(f -> granted(f).release());
        assertThat(count(ChildState.IDLE)).isEqualTo(4);
        // a trickle of sequential requests, one per second, for longer than the idle timeout
        for (int s = 0; s < 30; s++) {
            clock.advance(Duration.ofSeconds(1));
            tick();
            lease().release();
        }
        assertThat(pool.snapshot().children()).as("one MRU child serves the trickle").hasSize(1);
    }

    @Test
    void R57_spawnsArePacedBySpawnRate() {
        start(config().pm(PmMode.ONDEMAND).maxChildren(8).spawnRatePerSecond(4));
        List<CompletableFuture<AcquireResult>> burst = new ArrayList<>();
        launcher.autoReady = false;
        for (int i = 0; i < 8; i++) {
            burst.add(pool.acquire("/b" + i));
        }
        assertThat(pool.snapshot().counters().spawns()).isEqualTo(1);
        assertThat(pool.tick(clock.getAsLong())).isEqualTo(Duration.ofMillis(250).toNanos());
        clock.advance(Duration.ofMillis(249));
        tick();
        assertThat(pool.snapshot().counters().spawns()).isEqualTo(1);
        clock.advance(Duration.ofMillis(1));
        tick();
        assertThat(pool.snapshot().counters().spawns()).isEqualTo(2);
        for (int i = 0; i < 20; i++) {
            clock.advance(Duration.ofMillis(250));
            tick();
        }
        assertThat(pool.snapshot().counters().spawns()).as("never above max_children").isEqualTo(8);
    }

    @Test
    void R57_maxChildrenReachedIsCountedWhenCallersMustWait() {
        start(config().pm(PmMode.STATIC).maxChildren(2));
        lease();
        lease();
        pool.acquire("/w1");
        pool.acquire("/w2");
        assertThat(pool.snapshot().counters().maxChildrenReached()).isEqualTo(2);
    }
}
