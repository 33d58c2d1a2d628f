package org.fcgate.gateway.cli;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.fcgate.gateway.accesslog.AccessLogOptions;
import org.fcgate.gateway.accesslog.AccessLogging;
import org.fcgate.gateway.admin.Observability;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.http.HttpServer;
import org.fcgate.gateway.upstream.Upstreams;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;

/**
 * A gateway started from a {@link GatewayConfig}, for {@code run} and {@code serve}: the pools and upstreams
 * ({@link UpstreamFactory}), then the HTTP server in front of them. Closing stops listening first, then the pools.
 */
final class RunningGateway implements AutoCloseable {

    /** How long SIGTERM waits for the pools to stop (their shutdown deadline is 10 s, plus the kill grace). */
    private static final long SHUTDOWN_WAIT_SECONDS = 20;

    private final UpstreamFactory.Started upstreams;
    private final Observability observability;
    private final HttpServer server;
    private final AccessLogging logging;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RunningGateway(UpstreamFactory.Started upstreams, Observability observability, HttpServer server,
                           AccessLogging logging) {
        this.upstreams = upstreams;
        this.observability = observability;
        this.server = server;
        this.logging = logging;
    }

    /** Starts the pools, then listens; if listening fails, the pools are stopped again. No admin listener. */
    static RunningGateway start(GatewayConfig config, Supplier<PoolManager> managers)
            throws IOException, InterruptedException {
        return start(config, managers, Optional.empty());
    }

    /**
     * Starts the pools, the admin listener when {@code admin} is given (readiness says "starting" until the public
     * listener is up), then the public listener; if anything fails, what was started is stopped again.
     */
    static RunningGateway start(GatewayConfig config, Supplier<PoolManager> managers, Optional<ListenAddress> admin)
            throws IOException, InterruptedException {
        return start(config, managers, admin, AccessLogOptions.off());
    }

    /** As above, with an access log and a slow-request log (opened before anything else starts). */
    static RunningGateway start(GatewayConfig config, Supplier<PoolManager> managers, Optional<ListenAddress> admin,
                                AccessLogOptions logs) throws IOException, InterruptedException {
        AccessLogging logging = AccessLogging.start(logs);
        UpstreamFactory.Started started;
        try {
            started = UpstreamFactory.start(config, managers);
        } catch (RuntimeException e) {
            logging.close();
            throw e;
        }
        Observability observability = Observability.disabled();
        try {
            if (admin.isPresent()) {
                Collection<Pool> pools = started.manager().map(PoolManager::pools).orElse(List.of());
                observability = Observability.start(admin.get(), pools);
                observability.bind(logging);
            }
            HttpServer server = HttpServer.start(config, started.upstreams(),
                    observability.pipelineHook(logging.listeners(), logging.slowLog()));
            observability.running();
            return new RunningGateway(started, observability, server, logging);
        } catch (IOException | InterruptedException | RuntimeException e) {
            observability.close();
            started.close();
            logging.close();
            throw e;
        }
    }

    int port() {
        return server.port();
    }

    Upstreams upstreams() {
        return upstreams.upstreams();
    }

    /**
     * Serves until the listening socket closes. SIGTERM (the shutdown hook) stops listening, then waits for this
     * thread to stop the pools (children reaped, runtime directory removed) and run {@code afterwards} before the
     * JVM halts.
     */
    void serveUntilShutdown(Runnable afterwards) throws InterruptedException {
        CountDownLatch cleanedUp = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            observability.draining();
            server.close();
            try {
                cleanedUp.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "fcgate-shutdown"));
        try {
            server.awaitClose();
        } finally {
            try {
                close();
                afterwards.run();
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
            server.close();
        } finally {
            try {
                observability.close();
            } finally {
                try {
                    upstreams.close();
                } finally {
                    logging.close(); // after the listener: every request's line is queued by now
                }
            }
        }
    }
}
