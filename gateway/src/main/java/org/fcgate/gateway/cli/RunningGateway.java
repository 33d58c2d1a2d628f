package org.fcgate.gateway.cli;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.http.HttpServer;
import org.fcgate.gateway.upstream.Upstreams;
import org.fcgate.pool.PoolManager;

/**
 * A gateway started from a {@link GatewayConfig}, for {@code run} and {@code serve}: the pools and upstreams
 * ({@link UpstreamFactory}), then the HTTP server in front of them. Closing stops listening first, then the pools.
 */
final class RunningGateway implements AutoCloseable {

    /** How long SIGTERM waits for the pools to stop (their shutdown deadline is 10 s, plus the kill grace). */
    private static final long SHUTDOWN_WAIT_SECONDS = 20;

    private final UpstreamFactory.Started upstreams;
    private final HttpServer server;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RunningGateway(UpstreamFactory.Started upstreams, HttpServer server) {
        this.upstreams = upstreams;
        this.server = server;
    }

    /** Starts the pools, then listens; if listening fails, the pools are stopped again. */
    static RunningGateway start(GatewayConfig config, Supplier<PoolManager> managers)
            throws IOException, InterruptedException {
        UpstreamFactory.Started started = UpstreamFactory.start(config, managers);
        try {
            return new RunningGateway(started, HttpServer.start(config, started.upstreams()));
        } catch (IOException | InterruptedException | RuntimeException e) {
            started.close();
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
        try {
            server.close();
        } finally {
            upstreams.close();
        }
    }
}
