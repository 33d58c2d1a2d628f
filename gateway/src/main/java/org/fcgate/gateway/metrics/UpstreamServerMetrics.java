package org.fcgate.gateway.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.Meter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.fcgate.gateway.fastcgi.ExternalServer;
import org.fcgate.gateway.fastcgi.ServerHealth;

/**
 * The meters of one group of external FastCGI servers ({@code fastcgi_servers.NAME}), one series per server. Labels:
 * {@code upstream} (the configured name) and {@code server} (the address as configured: configuration, not client
 * input, so the label set is bounded by the file). Every meter reads the server's live {@link ServerHealth}.
 */
public final class UpstreamServerMetrics implements MeterBinder {

    private final List<ExternalServer> servers;
    private final List<Meter> meters = new ArrayList<>();

    public UpstreamServerMetrics(List<ExternalServer> servers) {
        this.servers = List.copyOf(servers);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (ExternalServer s : servers) {
            ServerHealth h = s.health();
            Tags tags = Tags.of("upstream", h.upstream(), "server", h.server());
            // available() rather than up(): an ejected server whose time has come (checks off) shows 1 at once.
            meters.add(Gauge.builder("fcgate.upstream.server.up", h, x -> x.available(System.nanoTime()) ? 1 : 0)
                    .tags(tags).description("1 while the server takes requests, 0 while it is ejected or failing its"
                            + " health checks").register(registry));
            meters.add(Gauge.builder("fcgate.upstream.server.connections", s, ExternalServer::openConnections)
                    .tags(tags).description("Connections open to the server: connecting, busy and kept idle")
                    .register(registry));
            counter(registry, "fcgate.upstream.server.failures", "Requests the server failed before any byte of"
                    + " its answer: connect refused or timed out, connection lost or silent", tags, h,
                    ServerHealth::failures);
            counter(registry, "fcgate.upstream.server.ejections", "Times max_fails failed requests in a row ejected"
                    + " the server", tags, h, ServerHealth::ejections);
            counter(registry, "fcgate.upstream.server.health.check.failures", "Active health checks that failed",
                    tags, h, ServerHealth::checkFailures);
            counter(registry, "fcgate.upstream.server.retries", "Requests that failed on the server and were tried"
                    + " on another one", tags, h, ServerHealth::retries);
        }
    }

    /** The servers measured (a reload compares them to tell a kept group from a replaced one). */
    public List<ExternalServer> servers() {
        return servers;
    }

    /** Removes what {@link #bindTo} registered (the group was replaced or removed by a configuration reload). */
    public void remove(MeterRegistry registry) {
        meters.forEach(registry::remove);
        meters.clear();
    }

    private void counter(MeterRegistry registry, String name, String help, Tags tags, ServerHealth h,
                         ToDoubleFunction<ServerHealth> f) {
        meters.add(FunctionCounter.builder(name, h, f).tags(tags).description(help).register(registry));
    }
}
