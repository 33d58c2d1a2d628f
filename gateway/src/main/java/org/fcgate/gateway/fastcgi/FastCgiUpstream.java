package org.fcgate.gateway.fastcgi;

import java.util.Map;
import org.fcgate.gateway.upstream.ResponseSink;
import org.fcgate.gateway.upstream.Upstream;
import org.fcgate.gateway.upstream.UpstreamExchange;
import org.fcgate.gateway.upstream.UpstreamRequest;
import org.fcgate.pool.Pool;
import org.fcgate.pool.spawn.LogRateLimiter;

/**
 * The FastCGI forwarder for one route: one {@link FcgiExchange} per request against a shared {@link FastCgiBackend}
 * (a managed pool or external servers), with this route's {@link FastCgiUpstreamOptions}. {@link #managed} and
 * {@link #external} make a backend used by one upstream alone, which {@link #close} then closes.
 */
public final class FastCgiUpstream implements Upstream, AutoCloseable {

    private final FastCgiBackend backend;
    private final FastCgiUpstreamOptions options;
    private final boolean ownsBackend;

    FastCgiUpstream(FastCgiBackend backend, FastCgiUpstreamOptions options, boolean ownsBackend) {
        this.backend = backend;
        this.options = options;
        this.ownsBackend = ownsBackend;
    }

    /** Forwards to children leased from {@code pool}, on a backend of its own; the upstream's name is the pool's. */
    public static FastCgiUpstream managed(Pool pool, FastCgiUpstreamOptions options) {
        return new FastCgiUpstream(FastCgiBackend.managed(pool, options), options, true);
    }

    /** Forwards to external FastCGI servers, round-robin, on a backend of its own. */
    public static FastCgiUpstream external(ExternalServerOptions servers, FastCgiUpstreamOptions options) {
        return new FastCgiUpstream(FastCgiBackend.external(servers, options), options, true);
    }

    @Override
    public String name() {
        return backend.name();
    }

    public FastCgiUpstreamOptions options() {
        return options;
    }

    Backend backend() {
        return backend.backend();
    }

    LogRateLimiter stderrLimiter() {
        return backend.stderrLimiter();
    }

    /** Connections open to each external server of the backend; empty for a managed pool. */
    public Map<String, Integer> openConnections() {
        return backend.openConnections();
    }

    /** The external servers of the backend with their health, for the metrics; empty for a managed pool. */
    public java.util.List<ExternalServer> servers() {
        return backend.servers();
    }

    @Override
    public UpstreamExchange start(UpstreamRequest request, ResponseSink response) {
        return new FcgiExchange(this, request, response);
    }

    /** Closes the backend when it is this upstream's own ({@link #managed}, {@link #external}); else nothing. */
    @Override
    public void close() {
        if (ownsBackend) {
            backend.close();
        }
    }
}
