package org.fcgate.gateway.site;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The requests in flight on one generation of something a configuration reload replaces (a {@link Site}; a pool
 * server's pool generation), and when the last of them is over once the generation is retired.
 *
 * <p>Lifecycle: current (requests {@link #enter} and {@link #exit}) → {@link #retire()} when the next generation is
 * current → {@link #drained()} completes once the count is back to zero. {@link CurrentGeneration#enter} closes the
 * window where a request would count itself in after the generation was found empty.
 */
public final class InFlight {

    private final AtomicLong active = new AtomicLong();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private volatile boolean retired;

    /** Requests that entered and have not exited yet. */
    public long active() {
        return active.get();
    }

    /** Completes when this generation is retired and its last request has exited. */
    public CompletableFuture<Void> drained() {
        return drained;
    }

    void enter() {
        active.incrementAndGet();
    }

    /** A request that entered is over (answered, or its connection closed). */
    public void exit() {
        if (active.decrementAndGet() == 0 && retired) {
            drained.complete(null);
        }
    }

    void retire() {
        retired = true;
        if (active.get() == 0) {
            drained.complete(null);
        }
    }
}
