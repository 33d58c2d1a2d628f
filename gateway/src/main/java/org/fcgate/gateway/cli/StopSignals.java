package org.fcgate.gateway.cli;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT, taken over from the JVM so that they drain instead of running the shutdown hooks at once, and
 * the process exits 0 after a clean stop (the JVM's own handler exits 143 / 130). The first signal completes
 * {@link #first()}, the second {@link #second()} (abort what is left); later ones are only logged. SIGHUP is
 * {@link ReloadSignal}'s. {@code sun.misc.Signal} is in {@code jdk.unsupported}, which every
 * JDK we run on exports; if it is refused, the JVM's handler stays and the shutdown hook stops the gateway as before.
 */
final class StopSignals {

    private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

    private final CompletableFuture<String> first = new CompletableFuture<>();
    private final CompletableFuture<String> second = new CompletableFuture<>();
    private final AtomicInteger received = new AtomicInteger();

    private StopSignals() {
    }

    /** Installs the handlers; {@code installed} is false when the JVM refused them. */
    static StopSignals install() {
        StopSignals signals = new StopSignals();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), s -> signals.received("SIG" + s.getName()));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                LOG.warn("cannot handle SIG{} ({}); it stops the gateway without draining", name, e.toString());
            }
        }
        return signals;
    }

    /** Also for tests and the shutdown hook: behaves as if {@code what} had been received. */
    void received(String what) {
        int n = received.incrementAndGet();
        if (n == 1) {
            first.complete(what);
        } else if (n == 2) {
            LOG.warn("{} received again: aborting what is left of the shutdown", what);
            second.complete(what);
        } else {
            LOG.warn("{} received ({} signals): already aborting", what, n);
        }
    }

    /** The first stop signal: start the drain. */
    CompletableFuture<String> first() {
        return first;
    }

    /** The second one: abort the drain. */
    CompletableFuture<String> second() {
        return second;
    }
}
