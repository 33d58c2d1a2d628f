package org.fcgate.gateway.config;

import java.util.List;
import java.util.Objects;
import org.fcgate.gateway.route.Route;

/**
 * Everything the gateway needs to run. Routes are tried in order; the first whose matcher accepts the path wins.
 */
public record GatewayConfig(ListenAddress listen, HttpLimits limits, Timeouts timeouts, StaticOptions staticOptions,
                            List<Route> routes) {

    public GatewayConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(staticOptions, "staticOptions");
        routes = List.copyOf(routes);
        if (routes.isEmpty()) {
            throw new IllegalArgumentException("at least one route is required");
        }
    }

    public GatewayConfig withListen(ListenAddress a) {
        return new GatewayConfig(a, limits, timeouts, staticOptions, routes);
    }

    public GatewayConfig withLimits(HttpLimits l) {
        return new GatewayConfig(listen, l, timeouts, staticOptions, routes);
    }

    public GatewayConfig withTimeouts(Timeouts t) {
        return new GatewayConfig(listen, limits, t, staticOptions, routes);
    }

    public GatewayConfig withStaticOptions(StaticOptions s) {
        return new GatewayConfig(listen, limits, timeouts, s, routes);
    }
}
