package org.fcgate.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.status.ChildState;

/** A pool over a {@link FakeLauncher} and a {@link ManualClock}. */
abstract class PoolTestSupport {
    final ManualClock clock = new ManualClock();
    final FakeLauncher launcher = new FakeLauncher();
    Pool pool;

    static PoolConfig.Builder config() {
        return PoolConfig.builder("t", List.of("/bin/true")).spawnRatePerSecond(1000);
    }

    Pool start(PoolConfig.Builder b) {
        pool = new Pool(b.build(), launcher, clock, new Random(42));
        pool.start();
        return pool;
    }

    Lease granted(CompletableFuture<AcquireResult> f) {
        assertThat(f).isCompleted();
        AcquireResult r = f.join();
        assertThat(r).isInstanceOf(AcquireResult.Granted.class);
        return ((AcquireResult.Granted) r).lease();
    }

    Lease lease() {
        return granted(pool.acquire("/r"));
    }

    static RejectReason rejected(CompletableFuture<AcquireResult> f) {
        assertThat(f).isCompleted();
        AcquireResult r = f.join();
        assertThat(r).isInstanceOf(AcquireResult.Rejected.class);
        return ((AcquireResult.Rejected) r).reason();
    }

    long count(ChildState s) {
        return pool.snapshot().count(s);
    }

    void tick() {
        pool.tick(clock.getAsLong());
    }
}
