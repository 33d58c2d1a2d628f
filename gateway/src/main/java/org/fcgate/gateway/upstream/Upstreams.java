package org.fcgate.gateway.upstream;

import java.util.Map;

/**
 * Upstreams by name, as FastCGI routes refer to them. Phase 2 registers one FastCGI forwarder per pool; a name with
 * nothing registered gets an {@link UnavailableUpstream} (502).
 */
public final class Upstreams {

    private final Map<String, Upstream> byName;

    private Upstreams(Map<String, Upstream> byName) {
        this.byName = Map.copyOf(byName);
    }

    public static Upstreams none() {
        return new Upstreams(Map.of());
    }

    public static Upstreams of(Map<String, Upstream> byName) {
        return new Upstreams(byName);
    }

    public Upstream lookup(String name) {
        Upstream u = byName.get(name);
        return u != null ? u : new UnavailableUpstream(name);
    }
}
