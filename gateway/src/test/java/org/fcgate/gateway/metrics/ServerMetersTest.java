package org.fcgate.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import org.fcgate.gateway.config.FastCgiAddress;
import org.fcgate.gateway.fastcgi.BackendAddress;
import org.fcgate.gateway.fastcgi.ExternalServerOptions;
import org.fcgate.gateway.fastcgi.FastCgiBackend;
import org.fcgate.gateway.fastcgi.FastCgiUpstreamOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One server's request meters: by status class, histograms, registered once, nothing after {@link ServerMeters#remove}. */
class ServerMetersTest {

    private static final String LABELS = "server=\"unix:/run/a.sock\",upstream=\"fpm\"";
    private static final long MS = 1_000_000;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final FastCgiBackend backend = FastCgiBackend.external(ExternalServerOptions.of("fpm", List.of(
            BackendAddress.of(FastCgiAddress.parse("unix:/run/a.sock")))), FastCgiUpstreamOptions.defaults());

    @AfterEach
    void close() {
        backend.close();
        registry.close();
    }

    private List<String> series(String prefix) {
        return registry.scrape().lines().filter(l -> l.startsWith(prefix)).toList();
    }

    @Test
    void requestsCountByStatusClassAndEachOneIsInTheHistograms() {
        ServerMeters m = new ServerMeters(backend.servers().get(0), registry);
        for (int i = 0; i < 3; i++) {
            m.requestEnded(200, 2 * MS, 3 * MS);
        }
        m.requestEnded(404, MS, MS);
        m.requestEnded(502, -1, 600 * MS); // no head: not in time to first byte
        m.requestEnded(799, MS, MS); // a Status past 599 (CGI allows up to 999)
        assertThat(series("fcgate_upstream_server_requests_total")).containsExactlyInAnyOrder(
                "fcgate_upstream_server_requests_total{server=\"unix:/run/a.sock\",status=\"2xx\",upstream=\"fpm\"} 3.0",
                "fcgate_upstream_server_requests_total{server=\"unix:/run/a.sock\",status=\"4xx\",upstream=\"fpm\"} 1.0",
                "fcgate_upstream_server_requests_total{server=\"unix:/run/a.sock\",status=\"5xx\",upstream=\"fpm\"} 1.0",
                "fcgate_upstream_server_requests_total{server=\"unix:/run/a.sock\",status=\"other\",upstream=\"fpm\"} 1.0");
        assertThat(series("fcgate_upstream_server_response_seconds_count")).containsExactly(
                "fcgate_upstream_server_response_seconds_count{" + LABELS + "} 6");
        assertThat(series("fcgate_upstream_server_time_to_first_byte_seconds_count")).containsExactly(
                "fcgate_upstream_server_time_to_first_byte_seconds_count{" + LABELS + "} 5");
        assertThat(series("fcgate_upstream_server_response_seconds_bucket").stream().filter(l -> l.contains(
                "le=\"0.5\"")).toList()).as("under 0.5 s: all but the 600 ms one").singleElement().asString()
                .endsWith("} 5");
    }

    @Test
    void requestsWrittenAheadAreCountedPerServer() {
        new ServerMeters(backend.servers().get(0), registry);
        assertThat(series("fcgate_upstream_server_write_ahead_total")).containsExactly(
                "fcgate_upstream_server_write_ahead_total{" + LABELS + "} 0.0");
    }

    @Test
    void afterRemoveNothingIsRegisteredAgain() {
        ServerMeters m = new ServerMeters(backend.servers().get(0), registry);
        m.requestEnded(200, MS, MS);
        m.remove();
        assertThat(series("fcgate_upstream_server_")).isEmpty();
        m.requestEnded(500, MS, MS); // a request of a server dropped by a reload, ending late
        assertThat(series("fcgate_upstream_server_")).isEmpty();
    }
}
