package org.fcgate.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.fcgate.pool.status.ExitReason;
import org.fcgate.pool.status.PoolCounters;
import org.junit.jupiter.api.Test;

/** {@link PoolCounters#plus}: two generations of one pool as one set of counters. */
class GenerationCountersTest {

    @Test
    void totalsAddUpAndPeaksTakeTheLarger() {
        PoolCounters old = new PoolCounters(10, 1, 2, 3, 4, 7, Duration.ofMillis(100), 5, 6,
                Map.of(ExitReason.SHUTDOWN, 2L, ExitReason.CRASH, 1L), 3);
        PoolCounters current = new PoolCounters(5, 0, 1, 0, 1, 2, Duration.ofMillis(50), 1, 4,
                Map.of(ExitReason.SHUTDOWN, 1L, ExitReason.KILLED, 1L), 4);

        PoolCounters both = old.plus(current);

        assertThat(both.leases()).isEqualTo(15);
        assertThat(both.rejectedQueueFull()).isEqualTo(1);
        assertThat(both.rejectedQueueTimeout()).isEqualTo(3);
        assertThat(both.rejectedUnavailable()).isEqualTo(3);
        assertThat(both.queueLength()).isEqualTo(5);
        assertThat(both.maxQueueLength()).isEqualTo(7);
        assertThat(both.queueWaitTotal()).isEqualTo(Duration.ofMillis(150));
        assertThat(both.maxChildrenReached()).isEqualTo(6);
        assertThat(both.spawns()).isEqualTo(10);
        assertThat(both.exits()).containsOnly(Map.entry(ExitReason.SHUTDOWN, 3L), Map.entry(ExitReason.CRASH, 1L),
                Map.entry(ExitReason.KILLED, 1L));
        assertThat(both.maxActive()).isEqualTo(4);
    }
}
