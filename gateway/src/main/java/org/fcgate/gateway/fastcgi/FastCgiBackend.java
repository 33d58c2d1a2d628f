package org.fcgate.gateway.fastcgi;

import java.util.LinkedHashMap;
import java.util.Map;
import org.fcgate.pool.Pool;
import org.fcgate.pool.spawn.LogRateLimiter;

/**
 * What one upstream name stands for: a managed pool or a set of external servers with their kept connections,
 * shared by every route that names it. Routes differ in their forwarding options (params, buffering, trusted
 * proxies), so each gets its own lightweight {@link FastCgiUpstream} from {@link #route}; the connections, the
 * connect timeout, the protocol limits and the STDERR rate limit stay here, once per backend.
 */
public final class FastCgiBackend implements AutoCloseable {

    private final Backend backend;
    private final FastCgiUpstreamOptions options;
    private final LogRateLimiter stderrLimiter;
    private volatile boolean closed;

    private FastCgiBackend(Backend backend, FastCgiUpstreamOptions options) {
        this.backend = backend;
        this.options = options;
        this.stderrLimiter = new LogRateLimiter(options.stderrLinesPerSecond(), System.nanoTime());
    }

    /**
     * Children leased from {@code pool}; the name is the pool's. Of {@code options}, the backend uses the connect
     * timeout and the limits; the pool's lifecycle stays with its {@code PoolManager}.
     */
    public static FastCgiBackend managed(Pool pool, FastCgiUpstreamOptions options) {
        return new FastCgiBackend(new ManagedPoolBackend(pool, options), options);
    }

    /** External FastCGI servers, round-robin, at most {@code maxConnections} each. */
    public static FastCgiBackend external(ExternalServerOptions servers, FastCgiUpstreamOptions options) {
        return new FastCgiBackend(new ExternalServersBackend(servers, options), options);
    }

    /**
     * As {@link #external(ExternalServerOptions, FastCgiUpstreamOptions)}, the next generation of {@code previous}
     * (a configuration reload changed the group): each address of both keeps {@code previous}'s {@link ServerStats},
     * so its counters and meters go on; the connections are new.
     */
    public static FastCgiBackend external(ExternalServerOptions servers, FastCgiUpstreamOptions options,
                                          FastCgiBackend previous) {
        Map<String, ServerStats> carried = new LinkedHashMap<>();
        for (ExternalServer s : previous.servers()) {
            carried.put(s.health().server(), s.stats());
        }
        return new FastCgiBackend(new ExternalServersBackend(servers, options, carried), options);
    }

    public String name() {
        return backend.name();
    }

    /** The options the backend was built with, which routes start from. */
    public FastCgiUpstreamOptions options() {
        return options;
    }

    /**
     * An upstream for one route on this backend, forwarding with {@code routeOptions}; closing it leaves the
     * backend open (close the backend itself when no route needs it any more).
     */
    public FastCgiUpstream route(FastCgiUpstreamOptions routeOptions) {
        return new FastCgiUpstream(this, routeOptions, false);
    }

    Backend backend() {
        return backend;
    }

    LogRateLimiter stderrLimiter() {
        return stderrLimiter;
    }

    /** Connections open to each external server (for tests and the status page); empty for a managed pool. */
    public Map<String, Integer> openConnections() {
        Map<String, Integer> m = new LinkedHashMap<>();
        if (backend instanceof ExternalServersBackend e) {
            for (ServerConnections s : e.servers()) {
                m.put(s.address().toString(), s.openConnections());
            }
        }
        return m;
    }

    /** The external servers with their health, for the metrics; empty for a managed pool. */
    public java.util.List<ExternalServer> servers() {
        return backend instanceof ExternalServersBackend e ? java.util.List.copyOf(e.servers()) : java.util.List.of();
    }

    /** Stops handing out connections and closes idle ones; stops the health checks. */
    @Override
    public void close() {
        closed = true;
        backend.close();
    }

    /** Whether {@link #close()} was called (a configuration reload closes backends no generation uses any more). */
    public boolean isClosed() {
        return closed;
    }
}
