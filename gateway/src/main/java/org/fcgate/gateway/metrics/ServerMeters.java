package org.fcgate.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.ToDoubleFunction;
import org.fcgate.gateway.fastcgi.ExternalServer;
import org.fcgate.gateway.fastcgi.ServerHealth;
import org.fcgate.gateway.fastcgi.ServerStats;

/**
 * The meters of one external server ({@code upstream}, {@code server}: the group's name and the address as
 * configured, so the label set is bounded by the file). Counters and the connections gauge read the server's
 * {@link ServerStats}, the {@code up} gauge the health of its current generation; the request meters are fed by the
 * stats (this is the listener), one counter per status class registered the first time the class is seen and then
 * only incremented, as {@link HttpMetrics} does per label set.
 *
 * <p>Across a configuration reload the meters stay as long as the server does: a new generation of the group hands
 * the server's stats on, and {@link #switchTo} points {@code up} at the new generation's health, so no series resets.
 *
 * <p>Lifecycle: created (meters registered, listening) → requests recorded, {@link #switchTo} at reloads →
 * {@link #remove} (listening stopped, meters removed; a request ending later registers nothing).
 */
final class ServerMeters implements ServerStats.RequestListener {

    /** {@code other}, then {@code 1xx} … {@code 5xx}: the values {@link Labels#statusClass} gives. */
    private static final int STATUS_CLASSES = 6;

    private volatile ExternalServer server;
    private final ServerStats stats;
    private final MeterRegistry registry;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>(); // guarded by this
    private final AtomicReferenceArray<Counter> requests = new AtomicReferenceArray<>(STATUS_CLASSES);
    private final Timer response;
    private final Timer firstByte;
    private boolean removed; // guarded by this

    ServerMeters(ExternalServer server, MeterRegistry registry) {
        this.server = server;
        this.stats = server.stats();
        this.registry = registry;
        ServerHealth h = server.health();
        this.tags = Tags.of("upstream", h.upstream(), "server", h.server());
        // The state objects are held strongly by the server (Micrometer holds them weakly): the stats, and this as
        // the stats' listener. available() rather than up(): an ejected server whose time has come (checks off)
        // shows 1 at once.
        meters.add(Gauge.builder("fcgate.upstream.server.up", this, m -> m.server.health().available(
                        System.nanoTime()) ? 1 : 0)
                .tags(tags).description("1 while the server takes requests, 0 while it is ejected or failing its"
                        + " health checks").register(registry));
        meters.add(Gauge.builder("fcgate.upstream.server.connections", stats, ServerStats::connections)
                .tags(tags).description("Connections open to the server: connecting, busy and kept idle")
                .register(registry));
        counter("fcgate.upstream.server.failures", "Requests the server failed before any byte of its answer:"
                + " connect refused or timed out, connection lost or silent", ServerStats::failures);
        counter("fcgate.upstream.server.ejections", "Times max_fails failed requests in a row ejected the server",
                ServerStats::ejections);
        counter("fcgate.upstream.server.health.check.failures", "Active health checks that failed",
                ServerStats::checkFailures);
        counter("fcgate.upstream.server.retries", "Requests that failed on the server and were tried on another one",
                ServerStats::retries);
        counter("fcgate.upstream.server.write.ahead", "Requests written ahead on a busy kept connection to the server"
                + " (write_ahead), behind its current request", ServerStats::writtenAhead);
        this.response = timer("fcgate.upstream.server.response", "Requests sent to the server: from BEGIN_REQUEST"
                + " sent to END_REQUEST, or to the failure that ended the request there");
        this.firstByte = timer("fcgate.upstream.server.time.to.first.byte", "From BEGIN_REQUEST sent to the"
                + " server's response head");
        stats.listen(this);
    }

    /** The generation of the server measured now. */
    ExternalServer server() {
        return server;
    }

    /** The stats measured: the same object for every generation of the server. */
    ServerStats stats() {
        return stats;
    }

    /** A new generation of the same server (same stats) is the one in force: {@code up} reads its health from now. */
    void switchTo(ExternalServer next) {
        if (next.stats() != stats) {
            throw new IllegalArgumentException("not a generation of " + tags + ": other stats");
        }
        server = next;
    }

    @Override
    public void requestEnded(int status, long firstByteNanos, long totalNanos) {
        int i = status >= 100 && status <= 599 ? status / 100 : 0;
        Counter c = requests.get(i);
        if (c == null) {
            c = registerRequests(i, status);
        }
        if (c != null) {
            c.increment();
        }
        response.record(totalNanos, TimeUnit.NANOSECONDS);
        if (firstByteNanos >= 0) {
            firstByte.record(firstByteNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Once per status class; null once removed (a request of a server just dropped by a reload ended). */
    private synchronized Counter registerRequests(int i, int status) {
        if (removed) {
            return null;
        }
        Counter c = requests.get(i);
        if (c == null) {
            c = Counter.builder("fcgate.upstream.server.requests").tags(tags).tag("status", Labels.statusClass(status))
                    .description("Requests sent to the server, by the class of the status it answered (502 or 504"
                            + " when it failed to, 499 when the client left first)").register(registry);
            meters.add(c);
            requests.set(i, c);
        }
        return c;
    }

    /** Stops listening and removes every meter of the server from the registry. */
    synchronized void remove() {
        removed = true;
        stats.listen(ServerStats.RequestListener.NONE);
        meters.forEach(registry::remove);
        meters.clear();
    }

    private void counter(String name, String help, ToDoubleFunction<ServerStats> f) {
        meters.add(FunctionCounter.builder(name, stats, f).tags(tags).description(help).register(registry));
    }

    private Timer timer(String name, String help) {
        Timer t = Timer.builder(name).tags(tags).description(help).serviceLevelObjectives(Labels.SLO_BUCKETS)
                .register(registry);
        meters.add(t);
        return t;
    }
}
