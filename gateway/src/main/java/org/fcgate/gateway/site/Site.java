package org.fcgate.gateway.site;

import java.util.concurrent.CompletableFuture;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.route.Router;
import org.fcgate.gateway.staticfiles.StaticFileResponder;
import org.fcgate.gateway.upstream.Upstreams;

/**
 * One generation of what the public listener serves: the configuration, its route table with the upstreams its
 * FastCGI routes forward to, and the static file responder. Immutable; a configuration reload builds the next one and
 * swaps it in ({@link CurrentSite#replace}), so a request is routed by one table from its head to its last byte
 * (local redirects included) and never by a mix of two.
 *
 * <p>Lifecycle: built → current (requests {@link CurrentSite#enter} and {@link #exit} it) → retired when the next one
 * is current (no request enters it any more) → {@link #drained()} once the last request that entered it has exited;
 * then what only this generation used (a pool generation, external server connections) can be stopped.
 */
public final class Site {

    private final long generation;
    private final GatewayConfig config;
    private final Upstreams upstreams;
    private final Router router;
    private final StaticFileResponder staticFiles;
    private final InFlight inFlight = new InFlight();

    /** {@code generation}: 1 for the configuration the gateway started with, +1 per reload that was applied. */
    public Site(long generation, GatewayConfig config, Upstreams upstreams) {
        this.generation = generation;
        this.config = config;
        this.upstreams = upstreams;
        this.router = new Router(config.routes(), upstreams);
        this.staticFiles = new StaticFileResponder(config.staticOptions());
    }

    public long generation() {
        return generation;
    }

    public GatewayConfig config() {
        return config;
    }

    public Upstreams upstreams() {
        return upstreams;
    }

    public Router router() {
        return router;
    }

    public StaticFileResponder staticFiles() {
        return staticFiles;
    }

    /** Requests that entered this generation and have not exited yet. */
    public long active() {
        return inFlight.active();
    }

    /** Completes when this generation is retired and its last request has exited. */
    public CompletableFuture<Void> drained() {
        return inFlight.drained();
    }

    InFlight inFlight() {
        return inFlight;
    }

    /** The request that {@link CurrentSite#enter}ed this generation is over (answered, or its connection closed). */
    public void exit() {
        inFlight.exit();
    }

    @Override
    public String toString() {
        return "Site[generation " + generation + ", " + inFlight.active() + " requests]";
    }
}
