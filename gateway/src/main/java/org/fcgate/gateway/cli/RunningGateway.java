package org.fcgate.gateway.cli;

import java.io.IOException;
import java.time.Duration;
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
import org.fcgate.gateway.http.Connections;
import org.fcgate.gateway.http.HttpServer;
import org.fcgate.gateway.admin.ReloadOutcome;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.site.CurrentSite;
import org.fcgate.gateway.site.Site;
import org.fcgate.gateway.upstream.Upstreams;
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
 *
 * <p>Configuration reload ({@link #reloadFrom}, {@code run} only): SIGHUP, {@code POST /reload} on the admin listener
 * and {@link #reload} all ask the one {@link Reloader}, which runs {@link ConfigReload} one at a time. What is served
 * is the {@link CurrentSite}, which a reload replaces without touching the listening socket. {@code serve} has no
 * file: SIGHUP logs that, {@code POST /reload} answers 409.
 */
final class RunningGateway implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RunningGateway.class);

    /** How long a JVM shutdown not caused by our signal handlers (System.exit, SIGQUIT...) waits for the cleanup. */
    private static final long SHUTDOWN_HOOK_WAIT_SECONDS = 20;
    /**
     * How long the stop waits for a configuration reload that is running before interrupting it (one waiting for new
     * children to become ready then gives up and stops them).
     */
    private static final long RELOAD_STOP_WAIT_SECONDS = 5;

    private final CurrentSite sites;
    private final LiveUpstreams upstreams;
    private final LiveUpstreams.SiteUpstreams firstWired;
    private final Observability observability;
    private final HttpServer server;
    private volatile ShutdownOptions shutdown;
    private final SystemdNotifier notifier;
    private final AccessLogging logging;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Reloader reloader;

    private RunningGateway(CurrentSite sites, LiveUpstreams upstreams, LiveUpstreams.SiteUpstreams firstWired,
                           Observability observability, HttpServer server, ShutdownOptions shutdown,
                           SystemdNotifier notifier, AccessLogging logging) {
        this.sites = sites;
        this.upstreams = upstreams;
        this.firstWired = firstWired;
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
        SystemdNotifier notifier = SystemdNotifier.fromEnvironment(); // before anything runs that would need stopping
        AccessLogging logging = AccessLogging.start(logs);
        LiveUpstreams upstreams = new LiveUpstreams(managers);
        LiveUpstreams.SiteUpstreams wired;
        try {
            wired = upstreams.build(config, UpstreamPlan.initial(config), LiveUpstreams.SiteUpstreams.none());
            upstreams.retain(wired);
        } catch (RuntimeException | Error e) {
            upstreams.close(PoolManager.DEFAULT_SHUTDOWN_DEADLINE);
            logging.close();
            throw e;
        }
        Observability observability = Observability.disabled();
        Connections connections = new Connections();
        HttpServer server = null;
        try {
            if (admin.isPresent()) {
                observability = Observability.start(admin.get(), wired.pools(), connections);
                observability.bind(logging);
                observability.upstreamServers(wired.externalServers());
            }
            CurrentSite sites = new CurrentSite(new Site(1, config, wired.upstreams()));
            server = HttpServer.start(sites, observability.pipelineHook(logging.listeners(), logging.slowLog()),
                    connections);
            observability.running();
            RunningGateway gateway = new RunningGateway(sites, upstreams, wired, observability, server, shutdown,
                    notifier, logging);
            observability.reloadWith(gateway::reload); // 409 until reloadFrom gives it a file (never for serve)
            return gateway;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            // An Error too (a native library that fails to load): a listener left running would keep the JVM alive,
            // serving, with the main thread gone.
            if (server != null) {
                server.close();
            }
            observability.close();
            upstreams.close(PoolManager.DEFAULT_SHUTDOWN_DEADLINE);
            logging.close();
            throw e;
        }
    }

    /**
     * Makes the configuration file {@code source} reloadable: SIGHUP (once {@link #serveUntilShutdown} runs),
     * {@code POST /reload} and {@link #reload}. Call once, right after {@link #start}.
     */
    void reloadFrom(ConfigReload.Source source) {
        if (reloader != null) {
            throw new IllegalStateException("reload already configured");
        }
        ConfigReload reload = new ConfigReload(source, ConfigLoader.create(), sites, upstreams, firstWired,
                observability, notifier, options -> shutdown = options, String.valueOf(server.localAddress()));
        Reloader r = new Reloader(reload::reload);
        reload.releaseOn(r.executor());
        reloader = r;
    }

    /** Asks for a configuration reload (see {@link Reloader} for when it runs); never blocks. */
    CompletableFuture<ReloadOutcome> reload(String cause) {
        Reloader r = reloader;
        if (r == null) {
            LOG.info("{}: no configuration file to reload (fcgate serve takes its settings from the command line; "
                    + "restart it to change them, or use fcgate run --config FILE)", cause);
            return CompletableFuture.completedFuture(ReloadOutcome.unavailable(sites.get().generation(),
                    "no configuration file to reload: fcgate serve takes its settings from the command line"));
        }
        return r.request(cause);
    }

    /** The site now served (tests). */
    Site site() {
        return sites.get();
    }

    int port() {
        return server.port();
    }

    /** The admin listener's port; only when started with one. */
    int adminPort() {
        return observability.port();
    }

    Upstreams upstreams() {
        return sites.get().upstreams();
    }

    /** The pool manager, once there is a managed pool (tests). */
    Optional<PoolManager> manager() {
        return upstreams.manager();
    }

    /**
     * Serves until SIGTERM or SIGINT, then stops gracefully (see the class comment), stops the pools and runs
     * {@code afterwards}. SIGHUP asks for a configuration reload. Any other JVM shutdown (System.exit; SIGQUIT's
     * default is a thread dump) goes through the shutdown hook, which stops listening and waits for this thread's
     * cleanup as before.
     */
    void serveUntilShutdown(Runnable afterwards) throws InterruptedException {
        StopSignals signals = StopSignals.install();
        ReloadSignal.install(() -> reload("SIGHUP"));
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
        ShutdownOptions shutdown = this.shutdown;
        LOG.info("{} received: draining (shutdown_delay {}, shutdown_timeout {}); a second signal aborts", cause,
                seconds(shutdown.delay()), seconds(shutdown.timeout()));
        stopReloading();
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

    /** No reload starts from now on; one that runs may finish (bounded). */
    private void stopReloading() {
        Reloader r = reloader;
        if (r != null) {
            r.close(RELOAD_STOP_WAIT_SECONDS);
        }
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
        stopReloading();
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
