package org.fcgate.gateway.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.fcgate.gateway.route.Route;

/**
 * Everything the gateway needs to run. Routes are tried in order; the first whose matcher accepts the path wins.
 *
 * @param serverNames the server's names ({@code server_name}); the first is SERVER_NAME for scripts, empty: the
 *                    request's effective host. Requests are not selected by name: one config is one server.
 * @param upstreams   the FastCGI upstreams routes name, each name once (pools and external servers)
 * @param eventLoops  the HTTP listener's event loops ({@code event_loops}); {@link #AUTO_EVENT_LOOPS}: one per two
 *                    cores, at least one. Bound at start-up, as {@code listen}.
 */
public record GatewayConfig(ListenAddress listen, HttpLimits limits, Timeouts timeouts, StaticOptions staticOptions,
                            List<Route> routes, List<String> serverNames, List<UpstreamConfig> upstreams,
                            int eventLoops) {

    /** {@code event_loops: auto}. */
    public static final int AUTO_EVENT_LOOPS = 0;

    /** With {@code event_loops: auto}. */
    public GatewayConfig(ListenAddress listen, HttpLimits limits, Timeouts timeouts, StaticOptions staticOptions,
                         List<Route> routes, List<String> serverNames, List<UpstreamConfig> upstreams) {
        this(listen, limits, timeouts, staticOptions, routes, serverNames, upstreams, AUTO_EVENT_LOOPS);
    }

    /** A config without server names or upstream configurations (the {@code serve} command's). */
    public GatewayConfig(ListenAddress listen, HttpLimits limits, Timeouts timeouts, StaticOptions staticOptions,
                         List<Route> routes) {
        this(listen, limits, timeouts, staticOptions, routes, List.of(), List.of());
    }

    public GatewayConfig {
        serverNames = List.copyOf(serverNames);
        upstreams = List.copyOf(upstreams);
        if (upstreams.stream().map(UpstreamConfig::name).distinct().count() != upstreams.size()) {
            throw new IllegalArgumentException("upstream names must be unique");
        }
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(staticOptions, "staticOptions");
        if (eventLoops < 0) {
            throw new IllegalArgumentException("eventLoops (" + eventLoops + ") cannot be negative");
        }
        routes = List.copyOf(routes);
        if (routes.isEmpty()) {
            throw new IllegalArgumentException("at least one route is required");
        }
    }

    public GatewayConfig withListen(ListenAddress a) {
        return new GatewayConfig(a, limits, timeouts, staticOptions, routes, serverNames, upstreams, eventLoops);
    }

    public GatewayConfig withLimits(HttpLimits l) {
        return new GatewayConfig(listen, l, timeouts, staticOptions, routes, serverNames, upstreams, eventLoops);
    }

    public GatewayConfig withTimeouts(Timeouts t) {
        return new GatewayConfig(listen, limits, t, staticOptions, routes, serverNames, upstreams, eventLoops);
    }

    public GatewayConfig withStaticOptions(StaticOptions s) {
        return new GatewayConfig(listen, limits, timeouts, s, routes, serverNames, upstreams, eventLoops);
    }

    /** The upstream configuration named {@code name}, if any. */
    public Optional<UpstreamConfig> upstream(String name) {
        return upstreams.stream().filter(u -> u.name().equals(name)).findFirst();
    }
}
