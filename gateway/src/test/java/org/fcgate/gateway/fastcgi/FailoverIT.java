package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fcgate.gateway.config.Failover;
import org.fcgate.gateway.config.HealthCheck;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.metrics.UpstreamServerMetrics;
import org.fcgate.gateway.support.ForwardingGateway;
import org.fcgate.gateway.support.LogCapture;
import org.fcgate.gateway.support.RawClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A group of external servers ({@link FailoverServer}s on 127.0.0.1) behind the real gateway: retries on another
 * server only when nothing was sent or an idempotent request got no answer, never a POST that was sent; ejection on
 * failed requests; active checks (GET_VALUES and a ping request) that take servers out and bring them back; 503 at
 * once when every server is down; the per-server meters. Each test builds its own group, so no state is shared.
 */
class FailoverIT {

    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private final List<FailoverServer> servers = new ArrayList<>();
    private FastCgiUpstream upstream;
    private ForwardingGateway gateway;

    private FailoverServer server(String name) throws IOException {
        FailoverServer s = new FailoverServer(name);
        servers.add(s);
        return s;
    }

    /** The gateway with route {@code *.app} to the group; connect 500 ms, read timeout 500 ms. */
    private void start(Failover failover) throws Exception {
        List<BackendAddress> addresses = servers.stream().map(FailoverServer::address).toList();
        upstream = FastCgiUpstream.external(ExternalServerOptions.of("app", addresses).withFailover(failover),
                FastCgiUpstreamOptions.defaults().withConnectTimeout(Duration.ofMillis(500))
                        .withReadTimeout(Duration.ofMillis(500)));
        Path root = Files.createTempDirectory("fcgate-failover");
        ForwardingGateway.write(root.resolve("x.app"), "");
        gateway = ForwardingGateway.start(root, Map.of(".app", upstream), HttpLimits.defaults());
    }

    /** Passive ejection only: health checks off, so nothing but requests touches the servers. */
    private static Failover passive(int maxTries, int maxFails) {
        return new Failover(maxTries, maxFails, Duration.ofSeconds(60), HealthCheck.off());
    }

    private static Failover checked(HealthCheck check) {
        return new Failover(2, 1, Duration.ofMillis(200), check);
    }

    private static HealthCheck fastChecks() {
        return HealthCheck.defaults().withInterval(Duration.ofMillis(50)).withTimeout(Duration.ofMillis(500))
                .withRiseFall(2, 2);
    }

    private ServerHealth health(FailoverServer s) {
        return ((ExternalServersBackend) upstream.backend()).servers().stream()
                .filter(c -> c.address().equals(s.address())).findFirst().orElseThrow().health();
    }

    private RawClient.Response get(RawClient c, String id) throws IOException {
        return c.send("GET /x.app?id=" + id + " HTTP/1.1\r\nHost: a\r\n\r\n").read();
    }

    private RawClient.Response post(RawClient c, String id) throws IOException {
        return c.send("POST /x.app?id=" + id + " HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello").read();
    }

    private long seen(String request) {
        return servers.stream().flatMap(s -> s.requests().stream()).filter(request::equals).count();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (gateway != null) {
                gateway.canary();
                gateway.close();
            }
        } finally {
            if (upstream != null) {
                upstream.close();
            }
            for (FailoverServer s : servers) {
                s.close();
            }
        }
    }

    @Test
    void aPostThatWasSentIsNeverSentAgainAnIdempotentRequestIsOnEachServerOnce() throws Exception {
        server("a").policy(FailoverServer.Policy.RESET);
        server("b").policy(FailoverServer.Policy.RESET);
        server("c").policy(FailoverServer.Policy.RESET);
        start(passive(2, 0));
        try (RawClient c = gateway.connect()) {
            assertThat(post(c, "p1").status()).isEqualTo(502);
            assertThat(seen("POST id=p1")).as("a POST that was sent is never sent again").isEqualTo(1);
        }
        try (RawClient c = gateway.connect()) {
            assertThat(get(c, "g1").status()).isEqualTo(502);
            assertThat(seen("GET id=g1")).as("max_tries 2: two servers of three").isEqualTo(2);
            assertThat(servers).allSatisfy(s -> assertThat(s.requests()).as(s.address().toString())
                    .doesNotHaveDuplicates());
        }
    }

    @Test
    void anIdempotentRequestResetBeforeAnyAnswerIsAnsweredByAnotherServerOnce() throws Exception {
        FailoverServer a = server("a");
        FailoverServer b = server("b");
        a.policy(FailoverServer.Policy.RESET);
        start(passive(2, 0)); // never ejected: round-robin keeps sending requests to a first
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new UpstreamServerMetrics(upstream.servers()).bindTo(registry);
        try (RawClient c = gateway.connect()) {
            for (int i = 0; i < 4; i++) {
                RawClient.Response r = get(c, "g" + i);
                assertThat(r.status()).as("request %d", i).isEqualTo(200);
                // On one connection: the answer is this request's, so none was answered twice.
                assertThat(r.bodyText()).isEqualTo("b id=g" + i);
            }
        }
        assertThat(a.requests()).as("round-robin sent some to a first").isNotEmpty();
        assertThat(b.requests()).containsExactly("GET id=g0", "GET id=g1", "GET id=g2", "GET id=g3");
        assertThat(health(a).retries()).isEqualTo(a.requests().size());
        assertThat(health(a).failures()).isEqualTo(a.requests().size());
        // Each try counts on its server: a's reset ones as nginx's $upstream_status 502, b's answers as 2xx.
        String scrape = registry.scrape();
        assertThat(scrape).contains("fcgate_upstream_server_requests_total{server=\"" + a.address()
                        + "\",status=\"5xx\",upstream=\"app\"} " + a.requests().size() + ".0",
                "fcgate_upstream_server_requests_total{server=\"" + b.address()
                        + "\",status=\"2xx\",upstream=\"app\"} 4.0",
                "fcgate_upstream_server_response_seconds_count{server=\"" + b.address() + "\",upstream=\"app\"} 4",
                "fcgate_upstream_server_time_to_first_byte_seconds_count{server=\"" + a.address()
                        + "\",upstream=\"app\"} 0")
                .doesNotContain("status=\"2xx\",upstream=\"app\"} 0"); // a class is registered once seen
        registry.close();
    }

    @Test
    void anIdempotentRequestLeftSilentGoesToAnotherServerAfterTheReadTimeoutAPostDoesNot() throws Exception {
        FailoverServer a = server("a");
        FailoverServer b = server("b");
        a.policy(FailoverServer.Policy.SILENT);
        start(passive(2, 0));
        try (RawClient c = gateway.connect()) {
            for (int i = 0; i < 2; i++) {
                RawClient.Response r = get(c, "g" + i);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("b id=g" + i);
            }
        }
        assertThat(a.requests()).as("round-robin sent some to a first").isNotEmpty();
        assertThat(b.requests()).containsExactly("GET id=g0", "GET id=g1");
        b.policy(FailoverServer.Policy.SILENT);
        try (RawClient c = gateway.connect()) {
            assertThat(post(c, "p1").status()).isEqualTo(504);
        }
        assertThat(seen("POST id=p1")).isEqualTo(1);
    }

    @Test
    void R38_aRequestRefusedAsOverloadedGoesToAnotherServerEvenAPost() throws Exception {
        FailoverServer a = server("a");
        FailoverServer b = server("b");
        a.policy(FailoverServer.Policy.OVERLOADED);
        start(passive(2, 1));
        try (RawClient c = gateway.connect()) {
            for (int i = 0; i < 2; i++) {
                RawClient.Response r = post(c, "p" + i);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("b id=p" + i);
            }
        }
        assertThat(a.requests()).as("round-robin sent the first to a").contains("POST id=p0");
        assertThat(health(a).up()).as("a refusal is load, not a failure").isTrue();
        assertThat(health(a).failures()).isZero();
        b.policy(FailoverServer.Policy.OVERLOADED);
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = get(c, "g1");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("Retry-After")).isEqualTo("1");
        }
        assertThat(seen("GET id=g1")).as("once on each server").isEqualTo(2);
    }

    @Test
    void aRefusingServerIsEjectedAndCountedInTheMeters() throws Exception {
        FailoverServer a = server("a");
        FailoverServer b = server("b");
        a.stop();
        start(passive(2, 1));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new UpstreamServerMetrics(upstream.servers()).bindTo(registry);
        try (RawClient c = gateway.connect()) {
            for (int i = 0; i < 4; i++) {
                assertThat(get(c, "g" + i).bodyText()).isEqualTo("b id=g" + i);
            }
        }
        // The first request went to a (round-robin starts there), was refused and went to b; a was ejected then.
        assertThat(health(a).up()).isFalse();
        String scrape = registry.scrape();
        String sa = "server=\"" + a.address() + "\",upstream=\"app\"";
        String sb = "server=\"" + b.address() + "\",upstream=\"app\"";
        assertThat(scrape).contains("fcgate_upstream_server_up{" + sa + "} 0.0",
                "fcgate_upstream_server_up{" + sb + "} 1.0",
                "fcgate_upstream_server_failures_total{" + sa + "} 1.0",
                "fcgate_upstream_server_ejections_total{" + sa + "} 1.0",
                "fcgate_upstream_server_retries_total{" + sa + "} 1.0",
                "fcgate_upstream_server_failures_total{" + sb + "} 0.0",
                "fcgate_upstream_server_retries_total{" + sb + "} 0.0",
                "fcgate_upstream_server_health_check_failures_total{" + sa + "} 0.0",
                "fcgate_upstream_server_connections{" + sa + "} 0.0");
        registry.close();
    }

    /** R61: refused → 502 at once; then the circuit is open (503 without a connect) and each opening logged once. */
    @Test
    void R61_everyServerDownIsAnswered503AtOnceAndEachEjectionLoggedOnce() throws Exception {
        FailoverServer a = server("a");
        FailoverServer b = server("b");
        a.stop();
        b.stop();
        start(passive(2, 1));
        try (LogCapture log = new LogCapture(); RawClient c = gateway.connect()) {
            RawClient.Response first = get(c, "g1");
            assertThat(first.status()).as("refused by both: the last failure's answer").isEqualTo(502);
            // Both are ejected now: no connect is tried, 503 at once, whatever the method.
            for (int i = 2; i < 5; i++) {
                RawClient.Response r = get(c, "g" + i);
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.header("Retry-After")).isEqualTo("1");
            }
            assertThat(post(c, "p5").status()).isEqualTo(503);
            assertThat(log.text()).contains("no server of upstream app is up");
            for (FailoverServer s : List.of(a, b)) {
                assertThat(log.text().split("upstream server down upstream=app server=" + s.address() + ":", -1))
                        .as("one line for %s", s.address()).hasSize(2);
            }
            assertThat(health(a).failures() + health(b).failures()).as("no connect after the first request")
                    .isEqualTo(2);
        }
    }

    @Test
    void theOnlyServerOfAGroupIsNeverEjected() throws Exception {
        FailoverServer a = server("a");
        a.stop();
        start(passive(2, 1));
        try (RawClient c = gateway.connect()) {
            assertThat(get(c, "g1").status()).isEqualTo(502);
            assertThat(get(c, "g2").status()).as("tried again, not held back").isEqualTo(502);
        }
        a.start();
        try (RawClient c = gateway.connect()) {
            assertThat(get(c, "g3").bodyText()).isEqualTo("a id=g3");
        }
    }

    @Test
    void getValuesChecksTakeADeadServerOutAndBringItBack() throws Exception {
        FailoverServer a = server("a");
        FailoverServer b = server("b");
        start(checked(fastChecks()));
        await().atMost(PATIENCE).until(() -> a.checks() >= 2 && b.checks() >= 2);
        a.stop();
        // Down without a single request: two failed checks in a row.
        await().atMost(PATIENCE).until(() -> !health(a).up());
        assertThat(health(a).checkFailures()).isGreaterThanOrEqualTo(2);
        try (RawClient c = gateway.connect()) {
            for (int i = 0; i < 4; i++) {
                assertThat(get(c, "g" + i).bodyText()).isEqualTo("b id=g" + i);
            }
        }
        a.start();
        await().atMost(PATIENCE).until(() -> health(a).up());
        try (RawClient c = gateway.connect()) {
            List<String> bodies = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                bodies.add(get(c, "r" + i).bodyText());
            }
            assertThat(bodies).as("a is back in the round-robin").anyMatch(body -> body.startsWith("a "));
        }
        assertThat(health(a).failures()).as("no request was sent to a while it was down").isZero();
    }

    @Test
    void aPingRequestCheckFollowsTheStatusOfThePingPath() throws Exception {
        FailoverServer a = server("a");
        FailoverServer b = server("b");
        start(checked(fastChecks().withRequest("/ping")));
        a.pingStatus(503);
        await().atMost(PATIENCE).until(() -> !health(a).up());
        try (RawClient c = gateway.connect()) {
            for (int i = 0; i < 4; i++) {
                assertThat(get(c, "g" + i).bodyText()).isEqualTo("b id=g" + i);
            }
        }
        a.pingStatus(200);
        await().atMost(PATIENCE).until(() -> health(a).up());
        assertThat(a.checks() + b.checks()).as("no GET_VALUES when a ping request is configured").isZero();
    }
}
