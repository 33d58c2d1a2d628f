package org.fcgate.gateway.cli;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.fcgate.gateway.accesslog.AccessLogOptions;
import org.fcgate.gateway.accesslog.AccessLogging;
import org.fcgate.gateway.admin.AdminOptions;
import org.fcgate.gateway.admin.Observability;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.ShutdownOptions;
import org.fcgate.gateway.fastcgi.FastCgiBackend;
import org.fcgate.gateway.http.Connections;
import org.fcgate.gateway.metrics.UpstreamServerMetrics;
import org.fcgate.gateway.http.HttpServer;
import org.fcgate.gateway.upstream.Upstreams;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gateway started from a {@link GatewayConfig}, for {@code run} and {@code serve}: the pools and upstreams
 * ({@link UpstreamFactory}), the admin listener when asked, then the HTTP server in front of them.
 *
 * <p>Graceful stop ({@link #serveUntilShutdown}, R75), on the first SIGTERM or SIGINT:
 * <ol>
 *   <li>readiness fails at once ({@code /health/ready} 503), systemd hears {@code STOPPING=1};</li>
 *   <li>after {@code shutdown_delay} the listener closes (new connects refused) and the drain starts: idle
 *       connections close, busy ones finish their request with {@code Connection: close};</li>
 *   <li>requests get {@code shutdown_timeout} (from the listener's close) to finish; at its end, or at a second
 *       signal, what is left is cut off and counted in one log line, "N requests aborted";</li>
 *   <li>the pools stop (idle children at once; after an abort, busy ones too), every child reaped;</li>
 *   <li>the command returns 0 — after an abort too: the stop was asked for and done.</li>
 * </ol>
 * {@link #close()} alone (tests, errors) stops listening, then the pools, without the drain.
 */
final class RunningGateway implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RunningGateway.class);

    /** How long a JVM shutdown not caused by our signal handlers (SIGHUP, System.exit) waits for the cleanup. */
    private static final long SHUTDOWN_HOOK_WAIT_SECONDS = 20;

    private final UpstreamFactory.Started upstreams;
    private final Observability observability;
    private final HttpServer server;
    private final ShutdownOptions shutdown;
    private final SystemdNotifier notifier;
    private final AccessLogging logging;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RunningGateway(UpstreamFactory.Started upstreams, Observability observability, HttpServer server,
                           ShutdownOptions shutdown, SystemdNotifier notifier, AccessLogging logging) {
        this.upstreams = upstreams;
        this.observability = observability;
        this.server = server;
        this.shutdown = shutdown;
        this.notifier = notifier;
        this.logging = logging;
    }

    /** Starts the pools, then listens; if listening fails, the pools are stopped again. No admin listener. */
    static RunningGateway start(GatewayConfig config, Supplier<PoolManager> managers)
            throws IOException, InterruptedException {
        return start(config, managers, Optional.empty());
    }

    /** As below, with an admin listener on {@code admin} without control endpoints, and no access log. */
    static RunningGateway start(GatewayConfig config, Supplier<PoolManager> managers, Optional<ListenAddress> admin)
            throws IOException, InterruptedException {
        return start(config, managers, admin.map(AdminOptions::readOnly), AccessLogOptions.off(),
                ShutdownOptions.defaults());
    }

    /**
     * Starts the pools, the admin listener when {@code admin} is given (readiness says "starting" until the public
     * listener is up), then the public listener; if anything fails, what was started is stopped again. The access
     * log and the slow-request log ({@code logs}) are opened before anything else starts.
     */
    static RunningGateway start(GatewayConfig config, Supplier<PoolManager> managers, Optional<AdminOptions> admin,
                                AccessLogOptions logs, ShutdownOptions shutdown)
            throws IOException, InterruptedException {
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
                for (FastCgiBackend backend : started.backends()) {
                    if (!backend.servers().isEmpty()) {
                        observability.bind(new UpstreamServerMetrics(backend.servers()));
                    }
                }
            }
            HttpServer server = HttpServer.start(config, started.upstreams(),
                    observability.pipelineHook(logging.listeners(), logging.slowLog()));
            observability.running();
            return new RunningGateway(started, observability, server, shutdown, SystemdNotifier.fromEnvironment(),
                    logging);
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

    /** The admin listener's port; only when started with one. */
    int adminPort() {
        return observability.port();
    }

    Upstreams upstreams() {
        return upstreams.upstreams();
    }

    /**
     * Serves until SIGTERM or SIGINT, then stops gracefully (see the class comment), stops the pools and runs
     * {@code afterwards}. Any other JVM shutdown (SIGHUP, SIGQUIT's default is a thread dump) goes through the
     * shutdown hook, which stops listening and waits for this thread's cleanup as before.
     */
    void serveUntilShutdown(Runnable afterwards) throws InterruptedException {
        StopSignals signals = StopSignals.install();
        CountDownLatch cleanedUp = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (closed.get()) {
                return; // System.exit after our own stop
            }
            observability.draining();
            server.stopAccepting();
            try {
                cleanedUp.await(SHUTDOWN_HOOK_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "fcgate-shutdown"));
        notifier.ready("serving " + poolCount() + " pools on " + server.localAddress());
        try {
            CompletableFuture<Object> stop = CompletableFuture.anyOf(signals.first(), closeOf(server));
            try {
                stop.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("waiting for a stop signal", e.getCause());
            }
            if (signals.first().isDone()) {
                drain(signals.first().join(), signals.second());
            }
        } finally {
            try {
                close();
                afterwards.run();
            } finally {
                cleanedUp.countDown();
            }
        }
    }

    /** Steps 1 to 4 of the class comment; {@code abort} completes at the second signal. */
    void drain(String cause, CompletableFuture<String> abort) throws InterruptedException {
        long start = System.nanoTime();
        LOG.info("{} received: draining (shutdown_delay {}, shutdown_timeout {}); a second signal aborts", cause,
                seconds(shutdown.delay()), seconds(shutdown.timeout()));
        observability.draining();
        Connections connections = server.connections();
        notifier.stopping("draining, " + connections.inFlight() + " requests in flight");
        boolean aborted = waitFor(abort, shutdown.delay());
        server.stopAccepting();
        connections.drain();
        int inFlight = connections.inFlight();
        notifier.status("draining, " + inFlight + " requests in flight");
        LOG.info("draining: {} requests in flight, {} connections open", inFlight, connections.open());
        if (!aborted) {
            boolean settled = waitFor(CompletableFuture.anyOf(connections.allClosed(), abort), shutdown.timeout());
            aborted = !settled || abort.isDone();
        }
        if (aborted) {
            int cut = connections.abort();
            LOG.warn("{} requests aborted ({})", cut, abort.isDone() ? "second signal"
                    : "shutdown_timeout " + seconds(shutdown.timeout()) + " passed");
        }
        Duration poolDeadline = aborted ? Duration.ZERO : shutdown.timeout().minus(Duration.ofNanos(
                System.nanoTime() - start)).plus(shutdown.delay());
        notifier.status("stopping pools");
        abort.thenRun(() -> upstreams.manager().ifPresent(m -> m.shutdown(Duration.ZERO)));
        closeWith(poolDeadline.isNegative() ? Duration.ZERO : poolDeadline);
        LOG.info("stopped in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /** Waits up to {@code limit} for {@code event}; true if it happened. */
    private static boolean waitFor(CompletableFuture<?> event, Duration limit) throws InterruptedException {
        try {
            event.get(limit.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for " + event, e.getCause());
        }
    }

    private static CompletableFuture<Void> closeOf(HttpServer server) {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        server.closeFuture().addListener(f -> closed.complete(null));
        return closed;
    }

    private int poolCount() {
        return upstreams.manager().map(m -> m.pools().size()).orElse(0);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    @Override
    public void close() {
        closeWith(PoolManager.DEFAULT_SHUTDOWN_DEADLINE);
    }

    private void closeWith(Duration poolDeadline) {
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
                    upstreams.close(poolDeadline);
                } finally {
                    logging.close(); // after the listener: every request's line is queued by now
                }
            }
        }
    }
}
