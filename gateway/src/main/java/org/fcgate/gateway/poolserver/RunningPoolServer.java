package org.fcgate.gateway.poolserver;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.fcgate.gateway.admin.AdminOptions;
import org.fcgate.gateway.admin.Observability;
import org.fcgate.gateway.admin.ReloadTrigger;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;

/**
 * {@code fcgate pool}: the pools that have a {@code listen} address, each exposed to web servers by a
 * {@link PoolServer}, with the admin listener when asked for.
 *
 * <p>Lifecycle: {@link #start} (pools, then admin, then listeners; what started is stopped again if a step fails) →
 * any number of {@link #apply} (configuration reloads, one at a time: {@code cli.PoolServerReload}) →
 * {@link #close()}: stop listening, let the pools drain (requests in flight finish up to the pools' shutdown
 * deadline, relayed by the still-running loops), then close the connections and loops.
 */
public final class RunningPoolServer implements AutoCloseable {

    /** How long SIGTERM waits for the pools to stop (their shutdown deadline is 10 s, plus the kill grace). */
    private static final long SHUTDOWN_WAIT_SECONDS = 20;

    private final PoolManager manager;
    private final Observability observability;
    private final PoolServer server;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RunningPoolServer(PoolManager manager, Observability observability, PoolServer server) {
        this.manager = manager;
        this.observability = observability;
        this.server = server;
    }

    /** Starts {@code pools} (each must have a {@code listen}), with a monitoring-only admin listener when asked. */
    public static RunningPoolServer start(List<UpstreamConfig.ManagedPool> pools, Supplier<PoolManager> managers,
                                          Optional<ListenAddress> admin) throws IOException, InterruptedException {
        return launch(pools, managers, admin.map(AdminOptions::readOnly));
    }

    /**
     * Starts {@code pools} (each must have a {@code listen}) with a manager from {@code managers}, and the admin
     * listener {@code admin} (with the control endpoints when it has a token).
     */
    public static RunningPoolServer start(List<UpstreamConfig.ManagedPool> pools, Supplier<PoolManager> managers,
                                          AdminOptions admin) throws IOException, InterruptedException {
        return launch(pools, managers, Optional.of(admin));
    }

    private static RunningPoolServer launch(List<UpstreamConfig.ManagedPool> pools, Supplier<PoolManager> managers,
                                            Optional<AdminOptions> admin) throws IOException, InterruptedException {
        if (pools.isEmpty()) {
            throw new IllegalArgumentException("no pool to expose");
        }
        PoolManager manager = managers.get();
        Observability observability = Observability.disabled();
        try {
            List<ExposedPool> exposed = new ArrayList<>();
            for (UpstreamConfig.ManagedPool p : pools) {
                Pool pool = manager.addPool(p.pool());
                exposed.add(new ExposedPool(pool, p.listen().orElseThrow(() -> new IllegalArgumentException(
                        "pool " + p.name() + " has no listen address")), p.connectTimeout()));
            }
            if (admin.isPresent()) {
                observability = Observability.start(admin.get(), manager.pools());
            }
            PoolServer server = PoolServer.start(exposed);
            observability.running();
            return new RunningPoolServer(manager, observability, server);
        } catch (IOException | InterruptedException | RuntimeException e) {
            observability.close();
            manager.close();
            throw e;
        }
    }

    /** Pool name → the address it listens on. */
    public Map<String, String> addresses() {
        return server.addresses();
    }

    public PoolManager manager() {
        return manager;
    }

    /** The admin listener's port; only when started with one. */
    public int adminPort() {
        return observability.port();
    }

    /** What {@code POST /reload} on the admin listener runs (without it: 409). */
    public void reloadWith(ReloadTrigger trigger) {
        observability.reloadWith(trigger);
    }

    /**
     * A configuration reload's changes to the exposed pools ({@link PoolServer#apply}); the metrics, {@code /status}
     * and the control endpoints then follow the pools now exposed. Returns the pools no longer used, each with the
     * future of its last request: the caller retires them ({@link PoolManager#retire}).
     */
    public Map<Pool, CompletableFuture<Void>> apply(List<PoolUpdate> updates) throws IOException, InterruptedException {
        Map<Pool, CompletableFuture<Void>> released = server.apply(updates);
        observability.pools(server.pools());
        return released;
    }

    /** Serves until SIGTERM (or Ctrl-C), then {@link #close()} before the JVM exits. */
    public void serveUntilShutdown() throws InterruptedException {
        serveUntilShutdown(() -> { });
    }

    /**
     * As above; {@code stopReloading} runs first at the stop (no configuration reload may start or still run while the
     * pools stop).
     */
    public void serveUntilShutdown(Runnable stopReloading) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch cleanedUp = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                cleanedUp.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "fcgate-pool-shutdown"));
        try {
            stop.await();
        } finally {
            try {
                stopReloading.run();
                close();
            } finally {
                cleanedUp.countDown();
            }
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        observability.draining();
        try {
            server.stopListening();
        } finally {
            try {
                manager.close(); // drains: in-flight requests finish (or are revoked at the deadline)
            } finally {
                try {
                    server.close();
                } finally {
                    observability.close();
                }
            }
        }
    }
}
