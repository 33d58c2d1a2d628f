package org.fcgate.gateway.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGHUP, taken over from the JVM (whose default would run the shutdown hooks and exit): it asks for a configuration
 * reload. The handler runs on the JVM's signal thread and only hands the request over ({@link Reloader} coalesces
 * bursts and runs the reload on its own thread). If the JVM refuses the handler, SIGHUP keeps its default and a WARN
 * says so: then only {@code POST /reload} and {@code fcgate reload} reload.
 */
final class ReloadSignal {

    private static final Logger LOG = LoggerFactory.getLogger(ReloadSignal.class);

    private ReloadSignal() {
    }

    static void install(Runnable onSignal) {
        try {
            Signal.handle(new Signal("HUP"), s -> onSignal.run());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.warn("cannot handle SIGHUP ({}); it stops the gateway instead of reloading", e.toString());
        }
    }
}
