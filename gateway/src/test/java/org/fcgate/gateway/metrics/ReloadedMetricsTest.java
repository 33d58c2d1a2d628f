package org.fcgate.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.fcgate.gateway.config.FastCgiAddress;
import org.fcgate.gateway.fastcgi.BackendAddress;
import org.fcgate.gateway.fastcgi.ExternalServerOptions;
import org.fcgate.gateway.fastcgi.FastCgiBackend;
import org.fcgate.gateway.fastcgi.FastCgiUpstreamOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link GatewayMetrics#upstreamServers} across configuration reloads: a kept group keeps its series, a group with
 * new connections (new server objects) gets new ones in place of the old, a removed group's series end.
 */
class ReloadedMetricsTest {

    private final GatewayMetrics metrics = new GatewayMetrics();

    @AfterEach
    void close() {
        metrics.close();
    }

    private static FastCgiBackend fpm(String address) {
        return FastCgiBackend.external(ExternalServerOptions.of("fpm", List.of(BackendAddress.of(
                FastCgiAddress.parse(address)))), FastCgiUpstreamOptions.defaults());
    }

    private List<String> upSeries() {
        return metrics.scrape(null).lines().filter(l -> l.startsWith("fcgate_upstream_server_up{")).toList();
    }

    @Test
    void serverSeriesFollowTheGroupsInForce() {
        FastCgiBackend first = fpm("unix:/run/a.sock");
        metrics.upstreamServers(Map.of("fpm", first.servers()));
        assertThat(upSeries()).containsExactly("fcgate_upstream_server_up{server=\"unix:/run/a.sock\",upstream=\"fpm\"} 1.0");

        metrics.upstreamServers(Map.of("fpm", first.servers()));
        assertThat(upSeries()).as("kept: the same series").hasSize(1);

        FastCgiBackend second = fpm("unix:/run/b.sock");
        metrics.upstreamServers(Map.of("fpm", second.servers()));
        assertThat(upSeries()).containsExactly("fcgate_upstream_server_up{server=\"unix:/run/b.sock\",upstream=\"fpm\"} 1.0");

        metrics.upstreamServers(Map.of());
        assertThat(upSeries()).isEmpty();
        first.close();
        second.close();
    }
}
