package org.fcgate.gateway.fastcgi;

import java.util.concurrent.TimeUnit;
import org.fcgate.gateway.config.Failover;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One external server's health as the gateway sees it: from the requests sent to it (passive) and from the active
 * checks ({@link HealthChecker}). The single source for server selection, the metrics and the log. Time is a
 * parameter ({@code System.nanoTime()} values), so tests step a clock.
 *
 * <p>States:
 * <ol>
 *   <li>UP: takes requests. {@code max_fails} failed requests in a row eject it for {@code fail_timeout}
 *       ({@link #requestFailed}); {@code fall} failed checks in a row take it down ({@link #checkFailed}).</li>
 *   <li>DOWN: no requests. Back UP once the ejection time has passed and, with active checks, {@code rise} checks in
 *       a row passed since it went down; without active checks, as soon as the ejection time has passed (nginx).</li>
 * </ol>
 * A server of a group of one is never taken down ({@code tracked} false): nginx ignores {@code max_fails} there too,
 * since refusing the only server helps nobody. Its counters still count.
 *
 * <p>Thread-safe: every event loop reports to it and selection reads it per request ({@link #available} reads one
 * volatile field while the server is up); transitions happen under the lock and are logged once each.
 */
public final class ServerHealth {

    private static final Logger LOG = LoggerFactory.getLogger(ServerHealth.class);

    private final String upstream;
    private final String server;
    private final boolean tracked;
    private final int maxFails;
    private final long failTimeoutNanos;
    private final boolean checked;
    private final int rise;
    private final int fall;

    private volatile boolean up = true;
    private long notBefore;
    private int failedInARow;
    private int checksPassedInARow;
    private int checksFailedInARow;
    private final ServerStats stats;

    /**
     * @param server  the address as configured (logs and the metrics' {@code server} label)
     * @param tracked false for a group of one server: never taken down
     */
    ServerHealth(String upstream, String server, Failover failover, boolean tracked) {
        this(upstream, server, failover, tracked, new ServerStats());
    }

    /** @param stats where the counters go: the server's, kept across configuration generations */
    ServerHealth(String upstream, String server, Failover failover, boolean tracked, ServerStats stats) {
        this.stats = stats;
        this.upstream = upstream;
        this.server = server;
        this.tracked = tracked;
        this.maxFails = failover.maxFails();
        this.failTimeoutNanos = failover.failTimeout().toNanos();
        this.checked = failover.healthCheck().enabled();
        this.rise = failover.healthCheck().rise();
        this.fall = failover.healthCheck().fall();
        this.checksPassedInARow = rise;
    }

    public String upstream() {
        return upstream;
    }

    public String server() {
        return server;
    }

    /** Whether the server takes requests at {@code now}; a DOWN server whose time has come is brought back here. */
    public boolean available(long now) {
        if (up) {
            return true;
        }
        synchronized (this) {
            if (!up && now - notBefore >= 0 && (!checked || checksPassedInARow >= rise)) {
                markUp(checked ? checksPassedInARow + " health checks passed" : "fail_timeout passed");
            }
            return up;
        }
    }

    /** The server is up now, as the metrics show it (no transition is made). */
    public boolean up() {
        return up;
    }

    /**
     * The server failed a request before any byte of its answer: connect refused or timed out, connection lost or
     * silent. The {@code max_fails}-th in a row ejects it.
     */
    synchronized void requestFailed(long now, String cause) {
        stats.failed();
        if (!tracked || maxFails == 0 || !up) {
            return;
        }
        if (++failedInARow >= maxFails) {
            stats.ejected();
            markDown(now + failTimeoutNanos, "ejected after " + failedInARow + " failed request"
                    + (failedInARow == 1 ? "" : "s") + " (last: " + cause + ") for at least "
                    + TimeUnit.NANOSECONDS.toMillis(failTimeoutNanos) + " ms"
                    + (checked ? ", back after " + rise + " passed health checks" : ""));
        }
    }

    /** A request ended with END_REQUEST: the failures in a row start again from zero. */
    synchronized void requestSucceeded() {
        failedInARow = 0;
    }

    synchronized void checkPassed(long now) {
        checksFailedInARow = 0;
        checksPassedInARow = Math.min(checksPassedInARow + 1, rise);
        if (!up && now - notBefore >= 0 && checksPassedInARow >= rise) {
            markUp(rise + " health check" + (rise == 1 ? "" : "s") + " passed");
        }
    }

    synchronized void checkFailed(long now, String cause) {
        stats.checkFailed();
        checksPassedInARow = 0;
        checksFailedInARow = Math.min(checksFailedInARow + 1, fall);
        LOG.debug("health check failed upstream={} server={} cause={}", upstream, server, cause);
        if (up && tracked && checksFailedInARow >= fall) {
            markDown(now, fall + " health check" + (fall == 1 ? "" : "s") + " failed (last: " + cause + ")");
        }
    }

    /** A request that failed here goes to another server. */
    void retried() {
        stats.retried();
    }

    private void markDown(long until, String why) {
        up = false;
        notBefore = until;
        failedInARow = 0;
        checksPassedInARow = 0;
        LOG.warn("upstream server down upstream={} server={}: {}", upstream, server, why);
    }

    private void markUp(String why) {
        up = true;
        failedInARow = 0;
        LOG.info("upstream server up upstream={} server={}: {}", upstream, server, why);
    }

    /** Requests the server failed before answering (connect, lost connection, silence): {@link ServerStats}'s. */
    public long failures() {
        return stats.failures();
    }

    /** Times {@code max_fails} failed requests ejected the server. */
    public long ejections() {
        return stats.ejections();
    }

    public long checkFailures() {
        return stats.checkFailures();
    }

    /** Requests that failed here and were tried on another server. */
    public long retries() {
        return stats.retries();
    }
}
