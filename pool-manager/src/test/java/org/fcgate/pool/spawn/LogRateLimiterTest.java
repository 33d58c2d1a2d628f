package org.fcgate.pool.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogRateLimiterTest {

    @Test
    void burstOfOneSecondThenRefillsAndReportsWhatWasDropped() {
        long t = 0;
        LogRateLimiter l = new LogRateLimiter(10, t);
        for (int i = 0; i < 10; i++) {
            assertThat(l.tryAcquire(t)).isZero();
        }
        for (int i = 0; i < 5; i++) {
            assertThat(l.tryAcquire(t)).isEqualTo(-1);
        }
        t += 100_000_000L; // one token back
        assertThat(l.tryAcquire(t)).isEqualTo(5);
        assertThat(l.tryAcquire(t)).isEqualTo(-1);
    }
}
