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
 * {@link GatewayMetrics#upstreamServers} across configuration reloads: a kept group keeps its series; a new generation
 * of a group keeps the series of the servers that stay (same stats) and follows the new generation's health, a
 * server gone loses its series, a new one gets its own; a removed group's series end.
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

    private static FastCgiBackend next(FastCgiBackend previous, String... addresses) {
        return FastCgiBackend.external(ExternalServerOptions.of("fpm", java.util.Arrays.stream(addresses)
                .map(a -> BackendAddress.of(FastCgiAddress.parse(a))).toList()), FastCgiUpstreamOptions.defaults(),
                previous);
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

    @Test
    void aServerThatStaysInANewGenerationOfItsGroupKeepsItsStatsAndItsSeries() {
        FastCgiBackend first = next(fpm("unix:/run/a.sock"), "unix:/run/a.sock", "unix:/run/b.sock");
        metrics.upstreamServers(Map.of("fpm", first.servers()));
        FastCgiBackend second = next(first, "unix:/run/a.sock", "unix:/run/c.sock");
        assertThat(second.servers().get(0).stats()).as("a's stats carried over").isSameAs(first.servers().get(0)
                .stats());
        assertThat(second.servers().get(1).stats()).as("c is new").isNotSameAs(first.servers().get(1).stats());
        assertThat(second.servers().get(0)).as("new connections").isNotSameAs(first.servers().get(0));

        metrics.upstreamServers(Map.of("fpm", second.servers()));
        assertThat(upSeries()).containsExactly(
                "fcgate_upstream_server_up{server=\"unix:/run/a.sock\",upstream=\"fpm\"} 1.0",
                "fcgate_upstream_server_up{server=\"unix:/run/c.sock\",upstream=\"fpm\"} 1.0");
        first.close();
        second.close();
    }
}
