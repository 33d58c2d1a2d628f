package org.fcgate.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.status.ExitReason;
import org.fcgate.pool.supervise.ExitStatus;
import org.junit.jupiter.api.Test;

/**
 * The connection a lease holder keeps to a child ({@link ChildConnection}): it goes with the child from lease to lease
 * and is closed, exactly when the child stops being usable, never while a holder uses it.
 */
class KeptConnectionTest extends PoolTestSupport {

    /** A connection that counts its closes. */
    static final class Conn implements ChildConnection {
        int closes;

        @Override
        public void close() {
            closes++;
        }
    }

    @Test
    void theNextLeaseOfTheChildGetsTheKeptConnection() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease first = lease();
        assertThat(first.keptConnection()).isNull();
        Conn c = new Conn();
        first.release(c);
        Lease second = lease();
        assertThat(second.childId()).isEqualTo(first.childId());
        assertThat(second.keptConnection()).isSameAs(c);
        second.release(); // nothing kept this time
        assertThat(lease().keptConnection()).isNull();
        assertThat(c.closes).as("the pool closes only what it holds").isZero();
    }

    @Test
    void aQueuedCallerGetsTheConnectionWithTheChild() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease first = lease();
        CompletableFuture<AcquireResult> waiting = pool.acquire("/q");
        Conn c = new Conn();
        first.release(c);
        assertThat(granted(waiting).keptConnection()).isSameAs(c);
        assertThat(c.closes).isZero();
    }

    @Test
    void R54_aRecycledChildsConnectionIsClosedAndItsSuccessorStartsWithout() {
        start(config().pm(PmMode.STATIC).maxChildren(1).maxRequests(2));
        Lease first = lease();
        Conn c = new Conn();
        first.release(c);
        Lease second = lease();
        assertThat(second.keptConnection()).isSameAs(c);
        second.release(c); // its second request: max_requests reached, the child is stopped
        assertThat(c.closes).isEqualTo(1);
        assertThat(pool.snapshot().counters().exits(ExitReason.MAX_REQUESTS)).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        tick(); // the replacement
        Lease third = lease();
        assertThat(third.childId()).isNotEqualTo(first.childId());
        assertThat(third.keptConnection()).isNull();
    }

    @Test
    void aBrokenReleaseClosesTheConnectionTheLeaseCameWith() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Conn c = new Conn();
        lease().release(c);
        Lease l = lease();
        l.releaseBroken();
        assertThat(c.closes).isEqualTo(1);
        assertThat(pool.snapshot().counters().exits(ExitReason.BROKEN)).isEqualTo(1);
    }

    @Test
    void R52_aRevokedLeaseHandingBackItsConnectionHasItClosed() {
        start(config().pm(PmMode.STATIC).maxChildren(1).requestTimeout(Duration.ofSeconds(5)));
        launcher.exitOnSignal = false;
        Lease l = lease();
        clock.advance(Duration.ofSeconds(6));
        tick();
        assertThat(l.revoked()).isCompletedWithValue(Revocation.TIMED_OUT);
        Conn c = new Conn();
        l.release(c); // a holder that did not notice yet: the child is going away
        assertThat(c.closes).isEqualTo(1);
    }

    @Test
    void anIdleChildsConnectionIsClosedWhenTheChildIsStopped() {
        start(config().pm(PmMode.DYNAMIC).maxChildren(3).startServers(1).minSpareServers(1).maxSpareServers(1)
                .idleTimeout(Duration.ofSeconds(10)));
        Lease a = lease();
        clock.advance(Duration.ofSeconds(1));
        tick(); // spawns a spare
        Lease b = lease();
        Conn ca = new Conn();
        Conn cb = new Conn();
        a.release(ca);
        b.release(cb); // two idle above max_spare_servers 1: the tick stops the least recently used
        tick();
        assertThat(ca.closes).isEqualTo(1);
        assertThat(cb.closes).isZero();
    }

    @Test
    void aChildThatExitsWhileIdleHasItsConnectionClosed() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease l = lease();
        Conn c = new Conn();
        l.release(c);
        launcher.exit(l.childId(), ExitStatus.exited(0)); // php-cgi after PHP_FCGI_MAX_REQUESTS
        assertThat(c.closes).isEqualTo(1);
        assertThat(pool.snapshot().counters().exits(ExitReason.EXITED)).isEqualTo(1);
    }

    @Test
    void drainingClosesTheConnectionsOfIdleChildrenAndOfChildrenFinishingTheirRequest() {
        start(config().pm(PmMode.STATIC).maxChildren(2));
        Lease idle = lease();
        Lease busy = lease();
        Conn ci = new Conn();
        idle.release(ci);
        pool.drain();
        assertThat(ci.closes).isEqualTo(1);
        Conn cb = new Conn();
        busy.release(cb);
        assertThat(cb.closes).isEqualTo(1);
        assertThat(pool.stopped()).isCompleted();
    }

    @Test
    void anUnusedLeaseGivesTheConnectionBackAndCountsNoRequest() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Conn c = new Conn();
        lease().release(c);
        long served = pool.snapshot().children().get(0).requestsServed();
        Lease l = lease();
        l.releaseUnused();
        assertThat(pool.snapshot().children().get(0).requestsServed()).isEqualTo(served);
        assertThat(lease().keptConnection()).isSameAs(c);
        assertThat(c.closes).isZero();
    }

    @Test
    void theChildsVmRssIsSampledAtMostOncePerIntervalWithoutRssLimit() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease first = lease();
        launcher.rss.put(first.childId(), 1000L);
        first.release();
        assertThat(pool.snapshot().children().get(0).rssKb()).isEqualTo(1000);
        launcher.rss.put(first.childId(), 2000L);
        lease().release();
        assertThat(pool.snapshot().children().get(0).rssKb()).as("sampled less than a second ago").isEqualTo(1000);
        clock.advance(Pool.RSS_SAMPLE_INTERVAL);
        lease().release(); // granted a full interval after the last sample
        assertThat(pool.snapshot().children().get(0).rssKb()).isEqualTo(2000);
    }

    @Test
    void R55_withRssLimitEveryRequestIsSampled() {
        start(config().pm(PmMode.STATIC).maxChildren(1).rssLimitKb(1500));
        Lease first = lease();
        launcher.rss.put(first.childId(), 1000L);
        first.release();
        launcher.rss.put(first.childId(), 2000L);
        lease().release();
        assertThat(pool.snapshot().counters().exits(ExitReason.RSS)).isEqualTo(1);
    }
}
