package org.fcgate.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.status.ChildSnapshot;
import org.fcgate.pool.status.PoolSnapshot;
import org.fcgate.pool.status.RequestInfo;
import org.junit.jupiter.api.Test;

/** What the status page needs from the scoreboard: request info, max active, start time and lease timings. */
class StatusFieldsTest extends PoolTestSupport {

    @Test
    void requestInfoStaysOnTheChildAfterRelease() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        RequestInfo info = new RequestInfo("POST", "/a.php", 12, "/srv/a.php");
        Lease lease = granted(pool.acquire(info));
        assertThat(lease.request()).isEqualTo(info);
        assertThat(lease.uri()).isEqualTo("/a.php");
        assertThat(pool.snapshot().children().get(0).request()).isEqualTo(info);
        lease.release();
        ChildSnapshot idle = pool.snapshot().children().get(0);
        assertThat(idle.request()).isEqualTo(info);
        assertThat(idle.requestUri()).isNull();
    }

    @Test
    void oldAcquireSignatureGivesAUriOnlyRequest() {
        start(config().pm(PmMode.STATIC).maxChildren(1));
        Lease lease = granted(pool.acquire("/old"));
        assertThat(lease.request()).isEqualTo(RequestInfo.ofUri("/old"));
    }

    @Test
    void maxActiveIsTheHighestBusyCountAndStartTimeIsSet() {
        start(config().pm(PmMode.STATIC).maxChildren(3));
        Lease a = lease();
        Lease b = lease();
        a.release();
        b.release();
        lease();
        PoolSnapshot s = pool.snapshot();
        assertThat(s.counters().maxActive()).isEqualTo(2);
        assertThat(s.started()).isNotNull();
    }

    @Test
    void observerSeesQueueWaitFirstByteAndBusyTime() {
        List<String> seen = new ArrayList<>();
        start(config().pm(PmMode.STATIC).maxChildren(1));
        pool.observe(new PoolObserver() {
            @Override
            public void leaseGranted(Duration queueWait) {
                seen.add("granted " + queueWait.toMillis());
            }

            @Override
            public void firstByte(Duration sinceGrant) {
                seen.add("first " + sinceGrant.toMillis());
            }

            @Override
            public void leaseReleased(Duration busy, boolean broken) {
                seen.add("released " + busy.toMillis() + " " + broken);
            }
        });
        Lease first = lease();
        CompletableFuture<AcquireResult> queued = pool.acquire("/q");
        clock.advance(Duration.ofMillis(30));
        first.firstByte();
        first.firstByte();
        first.release();
        Lease second = granted(queued);
        clock.advance(Duration.ofMillis(5));
        second.releaseBroken();
        assertThat(seen).containsExactly("granted 0", "first 30", "released 30 false", "granted 30",
                "released 5 true");
    }
}
