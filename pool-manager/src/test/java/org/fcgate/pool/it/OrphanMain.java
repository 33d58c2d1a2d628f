package org.fcgate.pool.it;

import java.nio.file.Path;
import java.time.Duration;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.spawn.OutputSink;
import org.fcgate.pool.status.ChildState;

/**
 * Runs in its own JVM for {@link OrphanIT} and {@link PrivilegeIT}: {@code RUNTIME_DIR [USER]} starts a pool (its
 * children as USER when given), prints "pid N" per ready child, then waits.
 */
public final class OrphanMain {
    private OrphanMain() {
    }

    public static void main(String[] args) throws Exception {
        PoolManager manager = PoolManager.create(Path.of(args[0]), OutputSink.logging());
        PoolConfig.Builder config = PoolConfig.builder("orphans", ManagerFixture.python()).pm(PmMode.STATIC)
                .maxChildren(3);
        if (args.length > 1) {
            config.user(args[1]);
        }
        Pool pool = manager.addPool(config.build());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (pool.snapshot().count(ChildState.IDLE) < 3 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        pool.snapshot().children().forEach(c -> System.out.println("pid " + c.pid()));
        System.out.println("ready");
        System.out.flush();
        new java.util.concurrent.CountDownLatch(1).await();
    }
}
