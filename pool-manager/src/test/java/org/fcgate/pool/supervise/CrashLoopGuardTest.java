package org.fcgate.pool.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CrashLoopGuardTest {
    private static final long S = 1_000_000_000L;

    @Test
    void tripsAtThresholdWithinWindowAndDoublesUpToMax() {
        CrashLoopGuard g = new CrashLoopGuard(3, Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(3));
        assertThat(g.recordFailure(0)).isZero();
        assertThat(g.recordFailure(S)).isZero();
        assertThat(g.recordFailure(2 * S)).isEqualTo(Duration.ofSeconds(1));
        assertThat(g.degraded()).isTrue();
        assertThat(g.maySpawn(3 * S - 1)).isFalse();
        assertThat(g.maySpawn(3 * S)).isTrue();
        g.recordFailure(3 * S);
        g.recordFailure(3 * S);
        assertThat(g.recordFailure(3 * S)).isEqualTo(Duration.ofSeconds(2));
        g.recordFailure(5 * S);
        g.recordFailure(5 * S);
        assertThat(g.recordFailure(5 * S)).as("capped").isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void failuresOutsideTheWindowDoNotTrip() {
        CrashLoopGuard g = new CrashLoopGuard(2, Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(8));
        assertThat(g.recordFailure(0)).isZero();
        assertThat(g.recordFailure(11 * S)).isZero();
        assertThat(g.degraded()).isFalse();
    }

    @Test
    void aReadyChildClearsDegraded() {
        CrashLoopGuard g = new CrashLoopGuard(1, Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(8));
        g.recordFailure(0);
        assertThat(g.degraded()).isTrue();
        g.recordSuccess();
        assertThat(g.degraded()).isFalse();
    }
}
