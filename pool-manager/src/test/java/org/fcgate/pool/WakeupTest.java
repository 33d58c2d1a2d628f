package org.fcgate.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.fcgate.pool.config.PmMode;
import org.junit.jupiter.api.Test;

/**
 * The driver is woken ({@link Pool#onWakeup}) by acquire and release only when they set a deadline earlier than the
 * tick already due, or give the tick work to do at once: a wake per request would cost a thread hand-off and a whole
 * tick each.
 */
class WakeupTest extends PoolTestSupport {

    private final AtomicInteger wakeups = new AtomicInteger();

    private void startWatched(org.fcgate.pool.config.PoolConfig.Builder b) {
        start(b);
        pool.onWakeup(() -> { // the driver: a tick at once
            wakeups.incrementAndGet();
            tick();
        });
        tick(); // the driver's first tick: the next one is due within a second
        wakeups.set(0);
    }

    @Test
    void leasesAndReleasesOfABusyStaticPoolDoNotWakeTheDriver() {
        startWatched(config().pm(PmMode.STATIC).maxChildren(2));
        Lease a = lease();
        Lease b = lease();
        for (int i = 0; i < 100; i++) {
            CompletableFuture<AcquireResult> queued = pool.acquire("/q"); // queue_timeout 5 s: after the next tick
            a.release();
            a = b;
            b = granted(queued);
        }
        a.release();
        b.release();
        lease().release();
        assertThat(wakeups).hasValue(0);
    }

    @Test
    void aQueueWaitShorterThanTheNextTickWakesTheDriver() {
        startWatched(config().pm(PmMode.STATIC).maxChildren(1).queueTimeout(Duration.ofMillis(100)));
        lease();
        CompletableFuture<AcquireResult> queued = pool.acquire("/q");
        assertThat(wakeups).hasValue(1);
        clock.advance(Duration.ofMillis(100));
        tick();
        assertThat(rejected(queued)).isEqualTo(RejectReason.QUEUE_TIMEOUT);
    }

    @Test
    void aShortRequestTimeoutWakesTheDriverAtTheGrant() {
        startWatched(config().pm(PmMode.STATIC).maxChildren(1).requestTimeout(Duration.ofMillis(200)));
        lease();
        assertThat(wakeups).hasValue(1);
    }

    @Test
    void aLongRequestTimeoutDoesNot() {
        startWatched(config().pm(PmMode.STATIC).maxChildren(1).requestTimeout(Duration.ofSeconds(30)));
        lease().release();
        assertThat(wakeups).hasValue(0);
    }

    @Test
    void aRecycledChildWakesTheDriver() {
        startWatched(config().pm(PmMode.STATIC).maxChildren(1).maxRequests(2));
        lease().release();
        assertThat(wakeups).hasValue(0);
        lease().release(); // stopped: kill_grace runs from now, and a replacement is spawned
        assertThat(wakeups.get()).isPositive();
    }

    @Test
    void aChildGoingIdleAboveWhatTheModeKeepsWakesTheDriver() {
        startWatched(config().pm(PmMode.ONDEMAND).maxChildren(2).idleTimeout(Duration.ofMillis(300)));
        CompletableFuture<AcquireResult> first = pool.acquire("/a"); // spawns: a wake
        wakeups.set(0);
        granted(first).release(); // idle, and ondemand keeps none: its idle_timeout is before the next tick
        assertThat(wakeups).hasValue(1);
    }
}
