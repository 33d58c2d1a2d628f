package org.fcgate.gateway.fastcgi;

import org.fcgate.gateway.upstream.ResponseSink;
import org.fcgate.gateway.upstream.Upstream;
import org.fcgate.gateway.upstream.UpstreamExchange;
import org.fcgate.gateway.upstream.UpstreamRequest;
import org.fcgate.pool.Pool;
import org.fcgate.pool.spawn.LogRateLimiter;

/**
 * The FastCGI forwarder: one {@link FcgiExchange} per request against a {@link Backend}, either a managed pool
 * ({@link #managed}) or external servers ({@link #external}). Both flavours share the exchange engine.
 */
public final class FastCgiUpstream implements Upstream, AutoCloseable {

    private final Backend backend;
    private final FastCgiUpstreamOptions options;
    private final LogRateLimiter stderrLimiter;

    private FastCgiUpstream(Backend backend, FastCgiUpstreamOptions options) {
        this.backend = backend;
        this.options = options;
        this.stderrLimiter = new LogRateLimiter(options.stderrLinesPerSecond(), System.nanoTime());
    }

    /** Forwards to children leased from {@code pool}; the upstream's name is the pool's. */
    public static FastCgiUpstream managed(Pool pool, FastCgiUpstreamOptions options) {
        return new FastCgiUpstream(new ManagedPoolBackend(pool, options), options);
    }

    /** Forwards to external FastCGI servers, round-robin, with kept connections. */
    public static FastCgiUpstream external(ExternalServerOptions servers, FastCgiUpstreamOptions options) {
        return new FastCgiUpstream(new ExternalServersBackend(servers, options), options);
    }

    @Override
    public String name() {
        return backend.name();
    }

    public FastCgiUpstreamOptions options() {
        return options;
    }

    Backend backend() {
        return backend;
    }

    LogRateLimiter stderrLimiter() {
        return stderrLimiter;
    }

    /** Connections open to each external server (for tests and the status page); empty for a managed pool. */
    public java.util.Map<String, Integer> openConnections() {
        java.util.Map<String, Integer> m = new java.util.LinkedHashMap<>();
        if (backend instanceof ExternalServersBackend e) {
            for (ServerConnections s : e.servers()) {
                m.put(s.address().toString(), s.openConnections());
            }
        }
        return m;
    }

    @Override
    public UpstreamExchange start(UpstreamRequest request, ResponseSink response) {
        return new FcgiExchange(this, request, response);
    }

    @Override
    public void close() {
        backend.close();
    }
}
