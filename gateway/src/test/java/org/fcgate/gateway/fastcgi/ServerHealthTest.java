package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.fcgate.gateway.config.Failover;
import org.fcgate.gateway.config.HealthCheck;
import org.junit.jupiter.api.Test;

/** Ejection and return of one server, on a clock the test steps (nanoseconds, as System.nanoTime()). */
class ServerHealthTest {

    private static final long SECOND = Duration.ofSeconds(1).toNanos();
    /** A start far from zero and near the wrap, as nanoTime may be. */
    private long now = Long.MAX_VALUE - 5 * SECOND;

    private static Failover failover(int maxFails, int rise, int fall) {
        return new Failover(2, maxFails, Duration.ofSeconds(10),
                HealthCheck.defaults().withRiseFall(rise, fall));
    }

    private static ServerHealth tracked(Failover f) {
        return new ServerHealth("app", "198.18.0.2:9000", f, true);
    }

    @Test
    void aFailedRequestEjectsForFailTimeoutThenRiseChecksBringItBack() {
        ServerHealth h = tracked(failover(1, 2, 3));
        assertThat(h.available(now)).isTrue();
        h.requestFailed(now, "connect refused");
        assertThat(h.available(now)).isFalse();
        assertThat(h.ejections()).isEqualTo(1);
        // Checks pass during the ejection, but it lasts fail_timeout all the same.
        h.checkPassed(now + SECOND);
        h.checkPassed(now + 2 * SECOND);
        assertThat(h.available(now + 9 * SECOND)).isFalse();
        assertThat(h.up()).isFalse();
        // Its time has come and rise checks passed since the ejection: back at the next look.
        assertThat(h.available(now + 10 * SECOND)).isTrue();
        assertThat(h.up()).isTrue();
    }

    @Test
    void afterFailTimeoutItWaitsForRisePassedChecks() {
        ServerHealth h = tracked(failover(1, 2, 3));
        h.requestFailed(now, "reset");
        assertThat(h.available(now + 11 * SECOND)).as("no check passed yet").isFalse();
        h.checkPassed(now + 12 * SECOND);
        assertThat(h.available(now + 12 * SECOND)).as("one of two").isFalse();
        h.checkFailed(now + 13 * SECOND, "connect timed out");
        h.checkPassed(now + 14 * SECOND);
        assertThat(h.available(now + 14 * SECOND)).as("a failure restarts the count").isFalse();
        h.checkPassed(now + 15 * SECOND);
        assertThat(h.up()).as("the check itself brings it back").isTrue();
    }

    @Test
    void maxFailsCountsFailuresInARowAndASuccessResetsThem() {
        ServerHealth h = tracked(failover(3, 2, 3));
        h.requestFailed(now, "a");
        h.requestFailed(now, "b");
        h.requestSucceeded();
        h.requestFailed(now, "c");
        h.requestFailed(now, "d");
        assertThat(h.available(now)).isTrue();
        h.requestFailed(now, "e");
        assertThat(h.available(now)).isFalse();
        assertThat(h.failures()).isEqualTo(5);
        assertThat(h.ejections()).isEqualTo(1);
        // Failures of requests still in flight do not eject it again.
        h.requestFailed(now, "f");
        assertThat(h.ejections()).isEqualTo(1);
    }

    @Test
    void fallFailedChecksTakeItDownWithoutAWaitingTime() {
        ServerHealth h = tracked(failover(1, 2, 3));
        h.checkFailed(now, "x");
        h.checkFailed(now, "x");
        assertThat(h.available(now)).isTrue();
        h.checkFailed(now, "x");
        assertThat(h.available(now)).isFalse();
        assertThat(h.checkFailures()).isEqualTo(3);
        assertThat(h.ejections()).as("checks do not eject").isZero();
        h.checkPassed(now + SECOND);
        h.checkPassed(now + 2 * SECOND);
        assertThat(h.up()).isTrue();
    }

    @Test
    void withoutActiveChecksItComesBackWhenFailTimeoutHasPassed() {
        ServerHealth h = tracked(failover(1, 2, 3).withHealthCheck(HealthCheck.off()));
        h.requestFailed(now, "refused");
        assertThat(h.available(now + 9 * SECOND)).isFalse();
        assertThat(h.available(now + 10 * SECOND)).isTrue();
        // nginx's way: tried again, and one more failure ejects it again.
        h.requestFailed(now + 10 * SECOND, "refused");
        assertThat(h.available(now + 10 * SECOND)).isFalse();
        assertThat(h.ejections()).isEqualTo(2);
    }

    @Test
    void maxFailsZeroNeverEjects() {
        ServerHealth h = tracked(failover(0, 2, 3));
        for (int i = 0; i < 10; i++) {
            h.requestFailed(now, "refused");
        }
        assertThat(h.available(now)).isTrue();
        assertThat(h.failures()).isEqualTo(10);
    }

    @Test
    void theOnlyServerOfAGroupIsNeverTakenDown() {
        ServerHealth h = new ServerHealth("fpm", "unix:/run/php/fpm.sock", failover(1, 1, 1), false);
        h.requestFailed(now, "refused");
        h.checkFailed(now, "refused");
        assertThat(h.available(now)).isTrue();
        assertThat(h.failures()).isEqualTo(1);
        assertThat(h.checkFailures()).isEqualTo(1);
        assertThat(h.ejections()).isZero();
    }

    @Test
    void retriesAreCounted() {
        ServerHealth h = tracked(failover(1, 2, 3));
        h.retried();
        h.retried();
        assertThat(h.retries()).isEqualTo(2);
    }
}
