package org.fcgate.gateway.upstream;

import java.util.Map;
import org.fcgate.gateway.route.Route;

/**
 * Upstreams as FastCGI routes reach them: per route when each route carries its own forwarding options on a shared
 * backend ({@link #perRoute}), or by upstream name when every route naming it forwards alike ({@link #of}). A route
 * with nothing registered gets an {@link UnavailableUpstream} (502).
 */
public final class Upstreams {

    private final Map<String, Upstream> byName;
    private final Map<Route.FastCgi, Upstream> byRoute;

    private Upstreams(Map<String, Upstream> byName, Map<Route.FastCgi, Upstream> byRoute) {
        this.byName = Map.copyOf(byName);
        this.byRoute = Map.copyOf(byRoute);
    }

    public static Upstreams none() {
        return new Upstreams(Map.of(), Map.of());
    }

    /** One upstream per name, shared by every route that names it. */
    public static Upstreams of(Map<String, Upstream> byName) {
        return new Upstreams(byName, Map.of());
    }

    /** One upstream per route (routes are records: equal routes forward alike, so they may share an entry). */
    public static Upstreams perRoute(Map<Route.FastCgi, Upstream> byRoute) {
        return new Upstreams(Map.of(), byRoute);
    }

    /** The route's own upstream, else the one registered under its upstream name, else a 502 answerer. */
    public Upstream lookup(Route.FastCgi route) {
        Upstream u = byRoute.get(route);
        return u != null ? u : lookup(route.upstream());
    }

    public Upstream lookup(String name) {
        Upstream u = byName.get(name);
        return u != null ? u : new UnavailableUpstream(name);
    }
}
