package org.fcgate.gateway.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import org.fcgate.gateway.fastcgi.ExternalServer;

/**
 * The meters of one group of external FastCGI servers ({@code fastcgi_servers.NAME}): one {@link ServerMeters} per
 * server, labelled {@code upstream} and {@code server}. For a group measured on its own (tests, tools); the gateway
 * keeps its servers' meters across reloads itself ({@link GatewayMetrics#upstreamServers}).
 */
public final class UpstreamServerMetrics implements MeterBinder {

    private final List<ExternalServer> servers;
    private final List<ServerMeters> bound = new ArrayList<>();

    public UpstreamServerMetrics(List<ExternalServer> servers) {
        this.servers = List.copyOf(servers);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (ExternalServer s : servers) {
            bound.add(new ServerMeters(s, registry));
        }
    }

    /** The servers measured. */
    public List<ExternalServer> servers() {
        return servers;
    }

    /** Removes what {@link #bindTo} registered (the group was replaced or removed by a configuration reload). */
    public void remove(MeterRegistry registry) {
        bound.forEach(ServerMeters::remove);
        bound.clear();
    }
}
