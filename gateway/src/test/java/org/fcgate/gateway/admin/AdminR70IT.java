package org.fcgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.http.HttpServer;
import org.fcgate.gateway.support.LeakTracker;
import org.fcgate.gateway.support.RawClient;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.fcgate.pool.status.PoolSnapshot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * R70: a scripted run against a managed pool of the sample app (fd 0), then the admin listener's counters must match
 * exactly: N × 200, M × 504 (request_timeout), K × 502 (crash before headers), one caller queued and J × 503 (both
 * children busy, queue_max 1 taken), and the slow requests among them. Also /ping, /health/*, bounded labels, and the
 * public listener never serving admin content.
 */
class AdminR70IT {

    static final int N = 20;
    static final int M = 2;
    static final int K = 2;
    static final int J = 2;
    /** Between a fast request (milliseconds) and the ones meant to be slow (4 s and more). */
    static final Duration SLOW = Duration.ofMillis(2500);

    static {
        LeakTracker.install();
    }

    static PoolManager manager;
    static Pool pool;
    static Observability observability;
    static HttpServer server;
    static R70Gateway fixture;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        manager = TestPools.manager();
        pool = manager.addPool(TestPools.legacyAppPool("legacy", 2)
                .requestTimeout(Duration.ofSeconds(8)).killGrace(Duration.ZERO).queueMax(1).crashThreshold(100)
                .spawnTimeout(Duration.ofSeconds(60)) // exact spawn counts: a JVM child on a busy CI machine is slow
                .build());
        fixture = R70Gateway.start(manager, pool, Map.of("env.app", "legacy app script\n", "static.txt", "static\n"),
                ".app", SLOW, GatewayConfig.AUTO_EVENT_LOOPS, admin -> {
                    observability = admin;
                    assertThat(get("/health/ready").statusCode()).isEqualTo(503);
                });
        server = fixture.server;
        observability.running();
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        } else if (manager != null) {
            manager.close();
        }
    }

    @Test
    void R70_countersMatchTheScriptedRunExactly() throws Exception {
        for (int i = 0; i < N; i++) {
            assertThat(publicGet("/env.app?i=" + i)).isEqualTo(200);
        }
        for (int i = 0; i < M; i++) {
            assertThat(publicGet("/env.app?sleep=20000")).isEqualTo(504);
        }
        for (int i = 0; i < K; i++) {
            // The timed-out children are being replaced: without an idle child the request would wait in the queue
            // (and count as "max children reached") instead of reaching a child that crashes at once.
            TestPools.awaitIdle(pool, 2);
            assertThat(publicGet("/env.app?crash=before")).isEqualTo(502);
        }
        TestPools.awaitIdle(pool, 2);
        // Both children busy for 4 s (well under request_timeout), one caller queued (queue_max 1), J refused.
        try (RawClient a = new RawClient(server.port()); RawClient b = new RawClient(server.port());
             RawClient c = new RawClient(server.port())) {
            a.send("GET /env.app?sleep=4000 HTTP/1.1\r\nHost: a\r\n\r\n");
            b.send("GET /env.app?sleep=4000 HTTP/1.1\r\nHost: a\r\n\r\n");
            await().until(() -> pool.snapshot().count(ChildState.BUSY) == 2);
            c.send("GET /env.app?queued HTTP/1.1\r\nHost: a\r\n\r\n");
            await().until(() -> pool.snapshot().counters().queueLength() == 1);
            for (int i = 0; i < J; i++) {
                assertThat(publicGet("/env.app?refused=" + i)).isEqualTo(503);
            }
            assertThat(a.read().status()).isEqualTo(200);
            assertThat(b.read().status()).isEqualTo(200);
            assertThat(c.read().status()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            PoolSnapshot s = pool.snapshot();
            assertThat(s.count(ChildState.IDLE)).isEqualTo(2);
            // A crash before headers is seen by the forwarder (connection closed: releaseBroken → BROKEN) or by
            // the reaper first (CRASH), whichever comes first; either way it is one abnormal exit.
            assertThat(s.counters().exits(ExitReason.TIMEOUT)).isEqualTo(M);
            assertThat(s.counters().exits(ExitReason.CRASH) + s.counters().exits(ExitReason.BROKEN)).isEqualTo(K);
        });
        int ok = N + 3;
        long leases = ok + M + K;
        long slow = M + 3; // the timeouts (8 s), a and b (4 s), c (queued behind them for about 4 s)

        Map<String, Double> m = Exposition.parse(get("/metrics").body());
        String route = "route=\"fastcgi:legacy\"";
        assertThat(m).containsEntry("fcgate_http_responses_total{code=\"200\"," + route + "}", (double) ok)
                .containsEntry("fcgate_http_responses_total{code=\"504\"," + route + "}", (double) M)
                .containsEntry("fcgate_http_responses_total{code=\"502\"," + route + "}", (double) K)
                .containsEntry("fcgate_http_responses_total{code=\"503\"," + route + "}", (double) J)
                .containsEntry("fcgate_http_server_requests_seconds_count{method=\"GET\"," + route
                        + ",status=\"5xx\"}", (double) (M + K + J))
                .containsEntry("fcgate_http_server_requests_seconds_count{method=\"GET\"," + route
                        + ",status=\"2xx\"}", (double) ok)
                .containsEntry("fcgate_pool_leases_total{pool=\"legacy\"}", (double) leases)
                .containsEntry("fcgate_pool_rejections_total{pool=\"legacy\",reason=\"queue_full\"}", (double) J)
                .containsEntry("fcgate_pool_queue_length_peak{pool=\"legacy\"}", 1.0)
                .containsEntry("fcgate_pool_queue_capacity{pool=\"legacy\"}", 1.0)
                .containsEntry("fcgate_pool_max_children_reached_total{pool=\"legacy\"}", 1.0)
                .containsEntry("fcgate_pool_slow_requests_total{pool=\"legacy\"}", (double) slow)
                .containsEntry("fcgate_pool_request_timeouts_total{pool=\"legacy\"}", (double) M)
                .containsEntry("fcgate_pool_child_exits_total{pool=\"legacy\",reason=\"timeout\"}", (double) M)
                .containsEntry("fcgate_pool_spawns_total{pool=\"legacy\"}", (double) (2 + M + K))
                .containsEntry("fcgate_pool_active_peak{pool=\"legacy\"}", 2.0)
                .containsEntry("fcgate_pool_max_children{pool=\"legacy\"}", 2.0)
                .containsEntry("fcgate_pool_children{pool=\"legacy\",state=\"idle\"}", 2.0)
                .containsEntry("fcgate_pool_queue_wait_seconds_count{pool=\"legacy\"}", (double) leases)
                .containsEntry("fcgate_pool_child_busy_seconds_count{pool=\"legacy\"}", (double) leases);
        // The RawClients are closed; the HttpClient may keep its one keep-alive connection open.
        assertThat(m.get("fcgate_http_connections_open")).isBetween(0.0, 1.0);
        assertThat(m.get("fcgate_pool_child_exits_total{pool=\"legacy\",reason=\"crash\"}")
                + m.get("fcgate_pool_child_exits_total{pool=\"legacy\",reason=\"broken\"}")).isEqualTo(K);
        assertThat(m.get("fcgate_pool_time_to_first_byte_seconds_count{pool=\"legacy\"}")).isEqualTo((double) ok);
        assertThat(m.get("fcgate_http_received_bytes_total")).isPositive();
        assertThat(m.get("fcgate_http_sent_bytes_total")).isPositive();
        assertThat(m.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes"))
                .anyMatch(k -> k.startsWith("process_cpu_usage"));
        assertBoundedLabels(m.keySet());

        JsonNode status = new ObjectMapper().readTree(get("/status?json&full&pool=legacy").body());
        assertThat(status.get("pool").asText()).isEqualTo("legacy");
        assertThat(status.get("process manager").asText()).isEqualTo("static");
        assertThat(status.get("accepted conn").asLong()).isEqualTo(leases);
        assertThat(status.get("listen queue").asLong()).isZero();
        assertThat(status.get("max listen queue").asLong()).isEqualTo(1);
        assertThat(status.get("listen queue len").asLong()).isEqualTo(1);
        assertThat(status.get("idle processes").asLong()).isEqualTo(2);
        assertThat(status.get("active processes").asLong()).isZero();
        assertThat(status.get("total processes").asLong()).isEqualTo(2);
        assertThat(status.get("max active processes").asLong()).isEqualTo(2);
        assertThat(status.get("max children reached").asLong()).isEqualTo(1);
        assertThat(status.get("slow requests").asLong()).isEqualTo(slow);
        assertThat(status.get("processes")).hasSize(2);
        for (JsonNode p : status.get("processes")) {
            assertThat(p.get("request uri").asText()).isEqualTo("/env.app"); // never the query
            assertThat(p.get("request method").asText()).isEqualTo("GET");
            assertThat(p.get("script").asText()).endsWith("/env.app");
        }
        assertThat(get("/status?pool=nope").statusCode()).isEqualTo(404);
    }

    @Test
    void pingAndHealth() throws Exception {
        assertThat(get("/ping").body()).isEqualTo("pong\n");
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        assertThat(get("/health/ready").statusCode()).isEqualTo(200);
        observability.draining();
        try {
            HttpResponse<String> r = get("/health/ready");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("draining");
        } finally {
            observability.running();
        }
        assertThat(get("/nothing").statusCode()).isEqualTo(404);
    }

    @Test
    void publicListenerNeverServesAdminContent() throws Exception {
        for (String path : List.of("/metrics", "/status", "/status?json", "/ping", "/health/ready")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).doesNotContain("fcgate_").doesNotContain("accepted conn").doesNotContain("pong");
        }
    }

    /** No label value holds a path, a query or a child pid. */
    private static void assertBoundedLabels(Set<String> series) {
        Exposition.assertBoundedLabels(series, pool.snapshot().children().stream()
                .map(c -> Long.toString(c.pid())).collect(Collectors.toSet()));
    }

    private static int publicGet(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + observability.port() + path))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
