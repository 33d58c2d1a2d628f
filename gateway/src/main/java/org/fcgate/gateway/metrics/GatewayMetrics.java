package org.fcgate.gateway.metrics;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.fcgate.gateway.accesslog.SlowRequestLog;
import org.fcgate.pool.Pool;
import org.fcgate.pool.status.PoolSnapshot;

/**
 * The gateway's one meter registry (Micrometer's Prometheus registry): HTTP meters, one {@link PoolMetrics} per
 * managed pool, JVM and process meters. {@link #scrape(String)} refreshes every pool's scoreboard copy, then renders.
 *
 * <p>Lifecycle: create → {@link #addPool} for each pool → serve scrapes → {@link #close()}.
 */
public final class GatewayMetrics implements AutoCloseable {

    /** Prometheus text format 0.0.4, what {@code /metrics} answers unless OpenMetrics is asked for. */
    public static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";
    public static final String OPENMETRICS_FORMAT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HttpMetrics http = new HttpMetrics(registry);
    private final Map<String, PoolMetrics> pools = new LinkedHashMap<>();
    /** The meters of each external server in force, by (group, address as configured). */
    private final Map<ServerKey, ServerMeters> servers = new LinkedHashMap<>();
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private volatile SlowRequestLog slowLog; // null: slow_request_timeout off, every pool counts 0

    public GatewayMetrics() {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    public HttpMetrics http() {
        return http;
    }

    /** Adds meters kept elsewhere (the access log's drop counter) to this registry. */
    public void bind(io.micrometer.core.instrument.binder.MeterBinder binder) {
        binder.bindTo(registry);
    }

    /** Registers the pool's meters and becomes its {@code PoolObserver}. */
    public synchronized void addPool(Pool pool) {
        if (pools.containsKey(pool.name())) {
            throw new IllegalArgumentException("pool already registered: " + pool.name());
        }
        pools.put(pool.name(), new PoolMetrics(pool, registry, this::slowRequests));
    }

    /**
     * Makes {@code log} (the public listener's slow-request log; null when {@code slow_request_timeout} is off) the
     * source of every pool's {@code fcgate_pool_slow_requests_total} and the status page's "slow requests".
     */
    public void countSlowRequests(SlowRequestLog log) {
        this.slowLog = log;
    }

    /**
     * Requests to {@code pool} reported by the slow-request log (an upstream's name is its pool's); 0 when it is off.
     */
    public long slowRequests(String pool) {
        SlowRequestLog log = slowLog;
        return log == null ? 0 : log.count(pool);
    }

    /**
     * After a configuration reload: {@code current} are the pools now in force, one per name. A new name gets its
     * meters; a new generation of a known name is measured under the same meters ({@link PoolMetrics#switchTo});
     * a name no longer there loses its meters (the series end).
     */
    public synchronized void pools(Collection<Pool> current) {
        Map<String, Pool> byName = new LinkedHashMap<>();
        current.forEach(p -> byName.put(p.name(), p));
        for (var it = pools.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!byName.containsKey(e.getKey())) {
                e.getValue().remove(registry);
                it.remove();
            }
        }
        for (Pool p : byName.values()) {
            PoolMetrics m = pools.get(p.name());
            if (m == null) {
                pools.put(p.name(), new PoolMetrics(p, registry, this::slowRequests));
            } else {
                m.switchTo(p);
            }
        }
    }

    private record ServerKey(String upstream, String server) {
    }

    /**
     * The {@code fastcgi_servers} groups in force, by name (at start, and after each configuration reload). Per
     * server, keyed by group and address: a server that stays keeps its series, counters going on (a new generation
     * of its group carries its {@link org.fcgate.gateway.fastcgi.ServerStats} over; {@code up} follows the new
     * generation's health); a server no longer in force loses its series; a new one gets series from zero, and so
     * does one whose stats are new (its group was removed and added again: a restart, honestly shown as one).
     */
    public synchronized void upstreamServers(Map<String, List<org.fcgate.gateway.fastcgi.ExternalServer>> groups) {
        Map<ServerKey, org.fcgate.gateway.fastcgi.ExternalServer> now = new LinkedHashMap<>();
        groups.forEach((name, list) -> list.forEach(s -> now.put(new ServerKey(name, s.health().server()), s)));
        for (var it = servers.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            org.fcgate.gateway.fastcgi.ExternalServer next = now.get(e.getKey());
            if (next == null || next.stats() != e.getValue().stats()) {
                e.getValue().remove();
                it.remove();
            }
        }
        now.forEach((key, s) -> {
            ServerMeters m = servers.get(key);
            if (m == null) {
                servers.put(key, new ServerMeters(s, registry));
            } else {
                m.switchTo(s);
            }
        });
    }

    /** The exposition for {@code acceptHeader}: OpenMetrics when the scraper asks for it, else text 0.0.4. */
    public String scrape(String acceptHeader) {
        refresh();
        return registry.scrape(contentType(acceptHeader));
    }

    public static String contentType(String acceptHeader) {
        return acceptHeader != null && acceptHeader.contains("application/openmetrics-text")
                ? OPENMETRICS_FORMAT : TEXT_FORMAT;
    }

    /** One fresh scoreboard copy of every pool (taken under each pool's lock, one at a time). */
    public synchronized List<PoolSnapshot> refresh() {
        List<PoolSnapshot> out = new ArrayList<>(pools.size());
        for (PoolMetrics p : pools.values()) {
            p.refresh();
            out.add(p.snapshot());
        }
        return out;
    }

    public synchronized Optional<Pool> pool(String name) {
        return Optional.ofNullable(pools.get(name)).map(p -> p.pool());
    }

    public synchronized Collection<String> poolNames() {
        return List.copyOf(pools.keySet());
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public synchronized void close() {
        pools.values().forEach(PoolMetrics::detach);
        gc.close();
        registry.close();
    }
}
