package org.fcgate.gateway.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.gateway.fastcgi.ExternalServer;
import org.fcgate.gateway.fastcgi.ExternalServerOptions;
import org.fcgate.gateway.fastcgi.FastCgiBackend;
import org.fcgate.gateway.fastcgi.FastCgiUpstreamOptions;
import org.fcgate.gateway.route.Route;
import org.fcgate.gateway.upstream.Upstream;
import org.fcgate.gateway.upstream.Upstreams;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstreams of every site generation still alive: one {@link PoolManager} (created with the first pool), a
 * {@link Pool} per managed pool generation and a {@link FastCgiBackend} per upstream, shared by the generations that
 * use them unchanged ({@link UpstreamPlan}). Each pool and backend counts the generations that hold it
 * ({@link #retain}); when the last one lets go ({@link #release}) the backend is closed and the pool retired (it
 * finishes what it serves, then its children are stopped).
 *
 * <p>Lifecycle: {@link #build} (pools started) → {@link #retain} when its site becomes current, or {@link #discard}
 * when the reload is abandoned → {@link #release} when its site has drained → {@link #close} stops everything.
 * Threading: one caller at a time (the gateway's start, then its reload thread).
 */
final class LiveUpstreams {

    private static final Logger LOG = LoggerFactory.getLogger(LiveUpstreams.class);

    /** One upstream name as one site generation uses it. */
    record Entry(UpstreamConfig config, Optional<Pool> pool, FastCgiBackend backend) {
    }

    /** What one site generation forwards to: its upstreams by name, and the per-route view routes look up. */
    record SiteUpstreams(Map<String, Entry> byName, Upstreams upstreams) {
        SiteUpstreams {
            byName = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byName));
        }

        static SiteUpstreams none() {
            return new SiteUpstreams(Map.of(), Upstreams.none());
        }

        /** The managed pools, in file order. */
        List<Pool> pools() {
            return byName.values().stream().flatMap(e -> e.pool().stream()).toList();
        }

        /** The servers of each {@code fastcgi_servers} group, by name, for their metrics. */
        Map<String, List<ExternalServer>> externalServers() {
            Map<String, List<ExternalServer>> m = new LinkedHashMap<>();
            byName.forEach((name, e) -> {
                if (!e.backend().servers().isEmpty()) {
                    m.put(name, e.backend().servers());
                }
            });
            return m;
        }
    }

    private final Supplier<PoolManager> managers;
    private PoolManager manager; // guarded by this
    private final Map<Pool, Integer> poolRefs = new IdentityHashMap<>();
    private final Map<FastCgiBackend, Integer> backendRefs = new IdentityHashMap<>();

    LiveUpstreams(Supplier<PoolManager> managers) {
        this.managers = managers;
    }

    synchronized Optional<PoolManager> manager() {
        return Optional.ofNullable(manager);
    }

    /**
     * Starts what {@code plan} asks for {@code config} (new pools and pool generations, new backends) and takes the
     * rest from {@code previous}. On failure whatever this call started is stopped again and the exception thrown.
     */
    synchronized SiteUpstreams build(GatewayConfig config, UpstreamPlan plan, SiteUpstreams previous) {
        Map<String, Entry> byName = new LinkedHashMap<>();
        try {
            for (UpstreamConfig u : config.upstreams()) {
                UpstreamPlan.Action action = plan.actionFor(u.name()).orElse(UpstreamPlan.Action.ADD);
                Entry before = previous.byName().get(u.name());
                byName.put(u.name(), switch (action) {
                    case KEEP -> before;
                    case NEW_BACKEND -> new Entry(u, before.pool(), backend(u, config, before.pool(),
                            Optional.of(before.backend())));
                    case NEW_GENERATION, ADD -> {
                        Optional<Pool> pool = u instanceof UpstreamConfig.ManagedPool p
                                ? Optional.of(manager(p).addGeneration(p.pool())) : Optional.empty();
                        yield new Entry(u, pool, backend(u, config, pool, Optional.empty()));
                    }
                    case REMOVE -> throw new IllegalStateException("REMOVE for an upstream of the new config");
                });
            }
        } catch (RuntimeException e) {
            discard(new SiteUpstreams(byName, Upstreams.none()), Duration.ZERO);
            throw e;
        }
        Map<Route.FastCgi, Upstream> byRoute = new LinkedHashMap<>();
        for (Route r : config.routes()) {
            if (r instanceof Route.FastCgi f && byName.containsKey(f.upstream())) {
                FastCgiBackend backend = byName.get(f.upstream()).backend();
                byRoute.put(f, backend.route(UpstreamFactory.routeOptions(backend.options(), f.options())));
            }
        }
        return new SiteUpstreams(byName, Upstreams.perRoute(byRoute));
    }

    private PoolManager manager(UpstreamConfig.ManagedPool p) {
        if (manager == null) {
            manager = managers.get();
        }
        return manager;
    }

    /**
     * {@code previous}: the backend this one replaces (NEW_BACKEND); its servers that stay keep their counters, so
     * their {@code fcgate_upstream_server_*} series go on across the reload.
     */
    private static FastCgiBackend backend(UpstreamConfig u, GatewayConfig config, Optional<Pool> pool,
                                          Optional<FastCgiBackend> previous) {
        FastCgiUpstreamOptions options = UpstreamFactory.backendOptions(u, config);
        if (pool.isPresent()) {
            return FastCgiBackend.managed(pool.get(), options);
        }
        ExternalServerOptions servers = UpstreamFactory.externalServers((UpstreamConfig.External) u);
        return previous.isPresent() ? FastCgiBackend.external(servers, options, previous.get())
                : FastCgiBackend.external(servers, options);
    }

    /** {@code site}'s generation is live: its pools and backends stay until it is {@link #release}d. */
    synchronized void retain(SiteUpstreams site) {
        for (Entry e : site.byName().values()) {
            e.pool().ifPresent(p -> poolRefs.merge(p, 1, Integer::sum));
            backendRefs.merge(e.backend(), 1, Integer::sum);
        }
    }

    /**
     * {@code site}'s generation is over: what no live generation holds any more is stopped, pools with
     * {@code poolDeadline} for the requests they still serve. Returns the pools retired.
     */
    synchronized List<Pool> release(SiteUpstreams site, Duration poolDeadline) {
        for (Entry e : site.byName().values()) {
            e.pool().ifPresent(p -> poolRefs.merge(p, -1, Integer::sum));
            backendRefs.merge(e.backend(), -1, Integer::sum);
        }
        return stopUnreferenced(site, poolDeadline);
    }

    /** {@code site} was built but never {@link #retain}ed (a reload abandoned): stops what it alone started. */
    synchronized List<Pool> discard(SiteUpstreams site, Duration poolDeadline) {
        return stopUnreferenced(site, poolDeadline);
    }

    private List<Pool> stopUnreferenced(SiteUpstreams site, Duration poolDeadline) {
        Set<FastCgiBackend> backends = new LinkedHashSet<>();
        Set<Pool> pools = new LinkedHashSet<>();
        for (Entry e : site.byName().values()) {
            if (backendRefs.getOrDefault(e.backend(), 0) <= 0) {
                backends.add(e.backend());
            }
            e.pool().filter(p -> poolRefs.getOrDefault(p, 0) <= 0).ifPresent(pools::add);
        }
        for (FastCgiBackend b : backends) {
            backendRefs.remove(b);
            b.close();
        }
        List<Pool> retired = new ArrayList<>();
        for (Pool p : pools) {
            poolRefs.remove(p);
            LOG.info("[pool {}] generation no longer used: draining (deadline {} ms)", p.name(),
                    poolDeadline.toMillis());
            manager.retire(p, poolDeadline);
            retired.add(p);
        }
        return retired;
    }

    /** Stops every backend, then every pool generation (requests revoked after {@code poolDeadline}). */
    synchronized void close(Duration poolDeadline) {
        backendRefs.keySet().forEach(FastCgiBackend::close);
        backendRefs.clear();
        poolRefs.clear();
        if (manager != null) {
            manager.close(poolDeadline);
        }
    }
}
