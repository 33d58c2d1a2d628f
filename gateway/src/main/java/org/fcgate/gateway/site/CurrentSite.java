package org.fcgate.gateway.site;

/**
 * The {@link Site} new requests are routed by, swapped atomically by a configuration reload: a
 * {@link CurrentGeneration} of sites (see there why entering is race-free).
 */
public final class CurrentSite {

    private final CurrentGeneration<Site> current;

    public CurrentSite(Site first) {
        this.current = new CurrentGeneration<>(first, Site::inFlight);
    }

    /** The current site, for what is decided once per connection (limits, timeouts); not counted. */
    public Site get() {
        return current.get();
    }

    /** The current site, counted as in use by one request until that request calls {@link Site#exit()}. */
    public Site enter() {
        return current.enter();
    }

    /**
     * Makes {@code next} the current site and retires the previous one, which is returned: its
     * {@link Site#drained()} completes when its last request has exited.
     */
    public Site replace(Site next) {
        return current.replace(next);
    }
}
