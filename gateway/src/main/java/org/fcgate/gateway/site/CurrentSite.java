package org.fcgate.gateway.site;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@link Site} new requests are routed by, swapped atomically by a configuration reload.
 *
 * <p>Why {@link #enter} re-reads the reference after counting: a request that read the old site just before
 * {@link #replace} could otherwise count itself in after the old site was found empty and drained. Counting first,
 * then checking that the site is still current, closes that window (the counter and the reference are both
 * sequentially consistent): either the replacing thread sees the count, or the request sees the new site and goes
 * there instead.
 */
public final class CurrentSite {

    private final AtomicReference<Site> current;

    public CurrentSite(Site first) {
        this.current = new AtomicReference<>(first);
    }

    /** The current site, for what is decided once per connection (limits, timeouts); not counted. */
    public Site get() {
        return current.get();
    }

    /** The current site, counted as in use by one request until that request calls {@link Site#exit()}. */
    public Site enter() {
        while (true) {
            Site s = current.get();
            s.enter();
            if (current.get() == s) {
                return s;
            }
            s.exit(); // replaced meanwhile: take the new one
        }
    }

    /**
     * Makes {@code next} the current site and retires the previous one, which is returned: its
     * {@link Site#drained()} completes when its last request has exited.
     */
    public Site replace(Site next) {
        Site previous = current.getAndSet(next);
        previous.retire();
        return previous;
    }
}
