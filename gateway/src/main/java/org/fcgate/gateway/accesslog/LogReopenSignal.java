package org.fcgate.gateway.accesslog;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGUSR1 reopens every open access log, as nginx's {@code USR1} and php-fpm's do (logrotate's {@code postrotate}).
 * A signal belongs to the process, so this is a process-wide registry: the handler is installed once, with
 * {@code sun.misc.Signal} (module {@code jdk.unsupported}, present in every JDK; there is no supported Java API for
 * POSIX signals), and only sets a flag in each writer — the reopen itself happens on the writer's thread.
 */
public final class LogReopenSignal {

    private static final Logger LOG = LoggerFactory.getLogger(LogReopenSignal.class);
    private static final List<Runnable> TARGETS = new CopyOnWriteArrayList<>();
    private static boolean installed;

    private LogReopenSignal() {
    }

    /** Installs the SIGUSR1 handler if not done yet; false (logged) when the JVM refuses it (e.g. {@code -Xrs}). */
    public static synchronized boolean install() {
        if (installed) {
            return true;
        }
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("USR1"), s -> reopenAll());
            installed = true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.warn("SIGUSR1 handler not installed, access logs will not be reopened on it: {}", e.toString());
        }
        return installed;
    }

    /** What SIGUSR1 does, also callable directly (tests, a future admin endpoint). */
    public static void reopenAll() {
        LOG.info("reopening {} access log(s)", TARGETS.size());
        TARGETS.forEach(Runnable::run);
    }

    static void register(Runnable target) {
        TARGETS.add(target);
    }

    static void unregister(Runnable target) {
        TARGETS.remove(target);
    }
}
