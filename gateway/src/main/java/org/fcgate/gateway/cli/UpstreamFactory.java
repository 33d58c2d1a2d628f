package org.fcgate.gateway.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.fcgate.gateway.cgi.CgiOptions;
import org.fcgate.gateway.cgi.TrustedProxies;
import org.fcgate.gateway.config.Cidr;
import org.fcgate.gateway.config.FastCgiOptions;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.gateway.fastcgi.BackendAddress;
import org.fcgate.gateway.fastcgi.ExternalServerOptions;
import org.fcgate.gateway.fastcgi.FastCgiBackend;
import org.fcgate.gateway.fastcgi.FastCgiUpstreamOptions;
import org.fcgate.gateway.route.Route;
import org.fcgate.gateway.upstream.Upstream;
import org.fcgate.gateway.upstream.Upstreams;
import org.fcgate.pool.PoolManager;

/**
 * The one place where the configuration model becomes running upstreams, for {@code run} and {@code serve} alike:
 * one {@link PoolManager} for the managed pools, one {@link FastCgiBackend} per upstream name (the pool, or the
 * external servers with their connections), and one {@link Upstream} per FastCGI route carrying that route's
 * {@link FastCgiOptions} onto the shared backend.
 */
final class UpstreamFactory {

    private UpstreamFactory() {
    }

    /** What {@link #start} started; closing stops the backends, then the pools (children reaped). */
    record Started(Optional<PoolManager> manager, List<FastCgiBackend> backends, Upstreams upstreams)
            implements AutoCloseable {
        @Override
        public void close() {
            close(PoolManager.DEFAULT_SHUTDOWN_DEADLINE);
        }

        /** As {@link #close()}; requests still running in the pools are revoked after {@code poolDeadline}. */
        void close(java.time.Duration poolDeadline) {
            backends.forEach(FastCgiBackend::close);
            manager.ifPresent(m -> m.close(poolDeadline));
        }
    }

    /**
     * Starts the pools of {@code config} (with a manager from {@code managers}, asked only when there are pools) and
     * builds the upstreams of its FastCGI routes. On failure, whatever was started is stopped again.
     */
    static Started start(GatewayConfig config, Supplier<PoolManager> managers) {
        boolean hasPools = config.upstreams().stream().anyMatch(UpstreamConfig.ManagedPool.class::isInstance);
        Optional<PoolManager> manager = hasPools ? Optional.of(managers.get()) : Optional.empty();
        Map<String, FastCgiBackend> backends = new LinkedHashMap<>();
        try {
            for (UpstreamConfig u : config.upstreams()) {
                FastCgiUpstreamOptions options = backendOptions(u, config);
                if (u instanceof UpstreamConfig.ManagedPool p) {
                    backends.put(u.name(), FastCgiBackend.managed(manager.orElseThrow().addPool(p.pool()), options));
                } else {
                    backends.put(u.name(), FastCgiBackend.external(externalServers((UpstreamConfig.External) u),
                            options));
                }
            }
        } catch (RuntimeException e) {
            new Started(manager, List.copyOf(backends.values()), Upstreams.none()).close();
            throw e;
        }
        Map<Route.FastCgi, Upstream> byRoute = new LinkedHashMap<>();
        for (Route r : config.routes()) {
            if (r instanceof Route.FastCgi f && backends.containsKey(f.upstream())) {
                FastCgiBackend backend = backends.get(f.upstream());
                byRoute.put(f, backend.route(routeOptions(backend.options(), f.options())));
            }
        }
        return new Started(manager, List.copyOf(backends.values()), Upstreams.perRoute(byRoute));
    }

    /** What every route on the upstream shares: timeouts of the upstream, SERVER_NAME of the server. */
    static FastCgiUpstreamOptions backendOptions(UpstreamConfig upstream, GatewayConfig config) {
        FastCgiUpstreamOptions o = FastCgiUpstreamOptions.defaults();
        if (upstream instanceof UpstreamConfig.ManagedPool p) {
            o = o.withConnectTimeout(p.connectTimeout()).withReadTimeout(p.readTimeout());
        } else if (upstream instanceof UpstreamConfig.External e) {
            o = o.withConnectTimeout(e.connectTimeout()).withReadTimeout(e.readTimeout());
        }
        if (!config.serverNames().isEmpty()) {
            o = o.withCgi(o.cgi().withServerName(config.serverNames().get(0)));
        }
        return o;
    }

    /** A route's options on top of its backend's: params, request and response buffering, trusted proxies. */
    static FastCgiUpstreamOptions routeOptions(FastCgiUpstreamOptions backend, FastCgiOptions route) {
        CgiOptions cgi = backend.cgi().withExtraParams(route.params())
                .withTrustedProxies(TrustedProxies.parse(route.trustedProxies().stream().map(Cidr::toString).toList()));
        return backend.withStreamRequestBody(!route.requestBuffering()).withBufferResponse(route.responseBuffering())
                .withCgi(cgi);
    }

    /** {@code fastcgi_servers.NAME} as the connection pool sees it. */
    static ExternalServerOptions externalServers(UpstreamConfig.External e) {
        List<BackendAddress> addresses = new ArrayList<>();
        e.addresses().forEach(a -> addresses.add(BackendAddress.of(a)));
        return ExternalServerOptions.of(e.name(), addresses).withMaxConnections(e.maxConnsPerServer())
                .withKeepAlive(e.keepConn()).withIdleTimeout(e.idleTimeout()).withFailover(e.failover());
    }
}
