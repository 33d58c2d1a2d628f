package org.fcgate.gateway.cli;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.fcgate.pool.Pool;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.PoolSnapshot;

/**
 * The check a configuration reload makes before it switches to new pool generations (and added pools), for
 * {@code fcgate run} ({@link ConfigReload}) and {@code fcgate pool} ({@link PoolServerReload}) alike: their initial
 * children must be ready within {@code spawn_timeout} plus {@value #READY_MARGIN_SECONDS} s, or the reload is rejected
 * and they are stopped again, so a pool whose new command fails never takes traffic.
 */
final class NewGenerations {

    private static final long READY_MARGIN_SECONDS = 5;
    private static final Duration READY_MARGIN = Duration.ofSeconds(READY_MARGIN_SECONDS);
    private static final long READY_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private NewGenerations() {
    }

    /**
     * Waits until each pool has its initial children ready (static: max_children, dynamic: start_servers,
     * ondemand: none), polling its scoreboard on this thread; empty when they are, else why not.
     */
    static Optional<String> awaitReady(List<Pool> pools) {
        for (Pool pool : pools) {
            PoolConfig c = pool.config();
            int wanted = initialChildren(c);
            Duration limit = c.spawnTimeout().plus(READY_MARGIN);
            long deadline = System.nanoTime() + limit.toNanos();
            while (true) {
                PoolSnapshot s = pool.snapshot();
                long ready = s.count(ChildState.IDLE) + s.count(ChildState.BUSY);
                if (ready >= wanted) {
                    break;
                }
                if (s.degraded()) {
                    return Optional.of("pool " + pool.name() + ": the new generation's children fail at start "
                            + "(crash-loop guard engaged; see the pool's log lines)");
                }
                if (System.nanoTime() - deadline >= 0) {
                    return Optional.of("pool " + pool.name() + ": the new generation has " + ready + " of " + wanted
                            + " children ready after " + limit.toSeconds() + " s (spawn_timeout + "
                            + READY_MARGIN.toSeconds() + " s)");
                }
                LockSupport.parkNanos(READY_POLL_NANOS);
                if (Thread.currentThread().isInterrupted()) {
                    return Optional.of("the gateway is stopping");
                }
            }
        }
        return Optional.empty();
    }

    static int initialChildren(PoolConfig c) {
        return switch (c.pm()) {
            case STATIC -> c.maxChildren();
            case DYNAMIC -> c.startServers();
            case ONDEMAND -> 0;
        };
    }

}
