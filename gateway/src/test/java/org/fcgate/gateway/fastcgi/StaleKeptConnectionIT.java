package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.metrics.UpstreamServerMetrics;
import org.fcgate.gateway.support.ForwardingGateway;
import org.fcgate.gateway.support.RawClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code keep_conn on} with a server that gives up a kept connection while it is idle ({@link KeepConnServer}): the
 * next request must not pay for it. One connection at most, so the second request always meets the kept one.
 */
class StaleKeptConnectionIT {

    private static KeepConnServer server;
    private static ForwardingGateway gateway;
    private static FastCgiUpstream upstream;

    @BeforeAll
    static void start() throws Exception {
        server = new KeepConnServer();
        Path root = Files.createTempDirectory("fcgate-stale");
        ForwardingGateway.write(root.resolve("x.kept"), "");
        upstream = FastCgiUpstream.external(ExternalServerOptions.of("kept",
                List.of(new BackendAddress.Tcp("127.0.0.1", server.port()))).withKeepAlive(true).withMaxConnections(1),
                FastCgiUpstreamOptions.defaults());
        gateway = ForwardingGateway.start(root, Map.of(".kept", upstream), HttpLimits.defaults());
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void noKeptConnection() throws Exception {
        server.closeConnections();
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.openConnections().values().stream()
                .allMatch(n -> n == 0));
    }

    @AfterEach
    void canary() throws Exception {
        gateway.canary();
    }

    /** The second request meets a connection the server closed or is closing: 200 all the same. */
    @ParameterizedTest
    @EnumSource(KeepConnServer.Policy.class)
    void aKeptConnectionClosedWhileIdleIsRetriedOnce(KeepConnServer.Policy policy) throws Exception {
        server.policy(policy);
        int connectionsBefore = server.connections();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        UpstreamServerMetrics metrics = new UpstreamServerMetrics(upstream.servers());
        metrics.bindTo(registry);
        try (RawClient c = gateway.connect()) {
            for (int i = 0; i < 2; i++) {
                RawClient.Response r = c.send("GET /x.kept HTTP/1.1\r\nHost: a\r\n\r\n").read();
                assertThat(r.status()).as("request %d", i + 1).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("ok");
            }
        }
        assertThat(server.connections() - connectionsBefore).isEqualTo(2);
        // The try on the stale connection is not a request to the server (nginx does not count it either).
        String scrape = registry.scrape();
        assertThat(scrape.lines().filter(l -> l.startsWith("fcgate_upstream_server_requests_total")))
                .singleElement().asString().endsWith("status=\"2xx\",upstream=\"kept\"} 2.0");
        metrics.remove(registry);
        registry.close();
    }

    /** A POST written into a stale connection may have run: it is never sent twice (RFC 9110 §9.2.2). */
    @Test
    void aPostLostOnAStaleConnectionIsNotResent() throws Exception {
        server.policy(KeepConnServer.Policy.CLOSE_ON_NEXT_REQUEST);
        try (RawClient c = gateway.connect()) {
            assertThat(c.send("GET /x.kept HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            int requestsBefore = server.requests();
            RawClient.Response r = c.send("POST /x.kept HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello").read();
            // A resend would have been answered 200 by the fresh connection, before this answer.
            assertThat(r.status()).isEqualTo(502);
            assertThat(server.requests()).as("the POST reached the server once").isEqualTo(requestsBefore + 1);
        }
    }
}
