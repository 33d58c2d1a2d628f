package org.fcgate.gateway.cli;

import java.util.ArrayList;
import java.util.List;
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

/**
 * How the configuration model becomes forwarding options, for {@code run} and {@code serve} alike
 * ({@link LiveUpstreams} starts the pools and backends): what one {@link FastCgiBackend} per upstream name shares,
 * and what each FastCGI route carries onto it ({@link FastCgiOptions}).
 */
final class UpstreamFactory {

    private UpstreamFactory() {
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
                .withKeepAlive(e.keepConn()).withIdleTimeout(e.idleTimeout()).withSendTimeout(e.sendTimeout())
                .withFailover(e.failover()).withWriteAhead(e.writeAhead());
    }
}
