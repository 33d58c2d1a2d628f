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
import org.fcgate.gateway.http.HttpServer;
import org.fcgate.gateway.support.LeakTracker;
import org.fcgate.gateway.support.RawClient;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.fcgate.pool.status.PoolSnapshot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * R70 with {@code write_ahead} on: the scripted run of {@link AdminR70IT} against a static pool of two real php-cgi
 * children, where callers that find both children busy are written ahead on them (one each) before they queue. N ×
 * 200, M × 504 (request_timeout), K × 502 (php-cgi SIGKILLs itself before any output), then both children busy with
 * one request written ahead on each, one caller queued (queue_max 1) and J × 503; the status page read meanwhile shows
 * the requests written ahead as waiting (php-fpm's listen queue) and in fcgate's own "written ahead"; the admin
 * listener's counters afterwards match exactly.
 *
 * <p>The gateway runs one event loop: a request goes ahead only from its busy child's connection's loop, so with one
 * the run does not depend on which loop each client connection lands on.
 */
class AdminR70WriteAheadIT {

    static final int N = 20;
    static final int M = 2;
    static final int K = 2;
    static final int J = 2;
    /** Between a fast request (milliseconds) and the ones meant to be slow (4 s and more). */
    static final Duration SLOW = Duration.ofMillis(2500);
    /** Sleeps {@code ms} milliseconds if asked; SIGKILLs itself with {@code crash}; then says ok. */
    static final String SCRIPT = "<?php if (isset($_GET['ms'])) { usleep((int) $_GET['ms'] * 1000); }\n"
            + "if (isset($_GET['crash'])) { posix_kill(getmypid(), 9); }\n"
            + "echo \"ok\\n\";\n";

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
        pool = manager.addPool(PoolConfig.builder("php", List.of("/usr/bin/php-cgi8.2")).pm(PmMode.STATIC)
                .maxChildren(2).env("PHP_FCGI_CHILDREN", "0").env("PHP_FCGI_MAX_REQUESTS", "0")
                .writeAhead(Duration.ofSeconds(10))
                .requestTimeout(Duration.ofSeconds(8)).killGrace(Duration.ZERO).queueMax(1).crashThreshold(100)
                .build());
        // One event loop: a request goes ahead only on a busy child's connection of its own loop.
        fixture = R70Gateway.start(manager, pool, Map.of("x.php", SCRIPT), ".php", SLOW, 1, admin -> { });
        observability = fixture.observability;
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
    void R70_countersMatchTheScriptedRunExactlyWithWriteAhead() throws Exception {
        for (int i = 0; i < N; i++) {
            assertThat(publicGet("/x.php?i=" + i)).isEqualTo(200);
        }
        for (int i = 0; i < M; i++) {
            assertThat(publicGet("/x.php?ms=20000")).isEqualTo(504);
        }
        for (int i = 0; i < K; i++) {
            TestPools.awaitIdle(pool, 2); // a request waiting for a replacement child would count as queued
            assertThat(publicGet("/x.php?crash=1")).isEqualTo(502);
        }
        TestPools.awaitIdle(pool, 2);
        // Both children busy for 4 s (well under request_timeout and write_ahead): c and d are written ahead, one on
        // each; e finds no place ahead and queues (queue_max 1), and J more are refused. When a or b completes, the
        // request ahead on it is promoted and e goes ahead behind that one.
        try (RawClient a = new RawClient(server.port()); RawClient b = new RawClient(server.port());
             RawClient c = new RawClient(server.port()); RawClient d = new RawClient(server.port());
             RawClient e = new RawClient(server.port())) {
            a.send("GET /x.php?ms=4000 HTTP/1.1\r\nHost: a\r\n\r\n");
            b.send("GET /x.php?ms=4000 HTTP/1.1\r\nHost: a\r\n\r\n");
            await().until(() -> pool.snapshot().count(ChildState.BUSY) == 2);
            c.send("GET /x.php?c HTTP/1.1\r\nHost: a\r\n\r\n");
            await().until(() -> pool.snapshot().counters().writtenAhead() == 1);
            d.send("GET /x.php?d HTTP/1.1\r\nHost: a\r\n\r\n");
            await().until(() -> pool.snapshot().counters().writtenAhead() == 2);
            e.send("GET /x.php?e HTTP/1.1\r\nHost: a\r\n\r\n");
            await().until(() -> pool.snapshot().counters().queueLength() == 1);
            for (int i = 0; i < J; i++) {
                assertThat(publicGet("/x.php?refused=" + i)).isEqualTo(503);
            }
            // Held: c and d ahead, e queued, a and b running.
            JsonNode held = new ObjectMapper().readTree(get("/status?json&full&pool=php").body());
            assertThat(held.get("listen queue").asLong()).as("queued and written ahead").isEqualTo(3);
            assertThat(held.get("written ahead").asLong()).isEqualTo(2);
            assertThat(held.get("max listen queue").asLong()).isEqualTo(3);
            assertThat(held.get("listen queue len").asLong()).isEqualTo(1);
            assertThat(held.get("active processes").asLong()).isEqualTo(2);
            assertThat(held.get("idle processes").asLong()).isZero();
            assertThat(held.get("max children reached").asLong()).isEqualTo(3);
            for (JsonNode p : held.get("processes")) {
                assertThat(p.get("state").asText()).isEqualTo("Running");
                assertThat(p.get("request uri").asText()).isEqualTo("/x.php");
            }
            Map<String, Double> heldMetrics = Exposition.parse(get("/metrics").body());
            assertThat(heldMetrics).containsEntry("fcgate_pool_queue_length{pool=\"php\"}", 3.0)
                    .containsEntry("fcgate_pool_queue_written_ahead{pool=\"php\"}", 2.0)
                    .containsEntry("fcgate_pool_queue_length_peak{pool=\"php\"}", 3.0);
            String text = get("/status?pool=php").body();
            assertThat(text).contains("\nlisten queue:         3\n").contains("\nwritten ahead:        2\n");

            for (RawClient client : List.of(a, b, c, d, e)) {
                RawClient.Response r = client.read();
                assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("ok\n");
            }
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            PoolSnapshot s = pool.snapshot();
            assertThat(s.count(ChildState.IDLE)).isEqualTo(2);
            assertThat(s.counters().exits(ExitReason.TIMEOUT)).isEqualTo(M);
            assertThat(s.counters().exits(ExitReason.CRASH) + s.counters().exits(ExitReason.BROKEN)).isEqualTo(K);
        });
        int ok = N + 5;
        long leases = ok + M + K;
        long slow = M + 5; // the timeouts (8 s), a and b (4 s), c, d and e (waiting behind them for about 4 s)
        int aheads = 3; // c, d, and e once a child was promoted

        Map<String, Double> m = Exposition.parse(get("/metrics").body());
        String route = "route=\"fastcgi:php\"";
        assertThat(m).containsEntry("fcgate_http_responses_total{code=\"200\"," + route + "}", (double) ok)
                .containsEntry("fcgate_http_responses_total{code=\"504\"," + route + "}", (double) M)
                .containsEntry("fcgate_http_responses_total{code=\"502\"," + route + "}", (double) K)
                .containsEntry("fcgate_http_responses_total{code=\"503\"," + route + "}", (double) J)
                .containsEntry("fcgate_http_server_requests_seconds_count{method=\"GET\"," + route
                        + ",status=\"5xx\"}", (double) (M + K + J))
                .containsEntry("fcgate_http_server_requests_seconds_count{method=\"GET\"," + route
                        + ",status=\"2xx\"}", (double) ok)
                .containsEntry("fcgate_pool_leases_total{pool=\"php\"}", (double) leases)
                .containsEntry("fcgate_pool_write_ahead_total{pool=\"php\"}", (double) aheads)
                .containsEntry("fcgate_pool_rejections_total{pool=\"php\",reason=\"queue_full\"}", (double) J)
                .containsEntry("fcgate_pool_queue_length{pool=\"php\"}", 0.0)
                .containsEntry("fcgate_pool_queue_written_ahead{pool=\"php\"}", 0.0)
                .containsEntry("fcgate_pool_queue_length_peak{pool=\"php\"}", 3.0)
                .containsEntry("fcgate_pool_queue_capacity{pool=\"php\"}", 1.0)
                .containsEntry("fcgate_pool_max_children_reached_total{pool=\"php\"}", 3.0)
                .containsEntry("fcgate_pool_slow_requests_total{pool=\"php\"}", (double) slow)
                .containsEntry("fcgate_pool_request_timeouts_total{pool=\"php\"}", (double) M)
                .containsEntry("fcgate_pool_child_exits_total{pool=\"php\",reason=\"timeout\"}", (double) M)
                .containsEntry("fcgate_pool_spawns_total{pool=\"php\"}", (double) (2 + M + K))
                .containsEntry("fcgate_pool_active_peak{pool=\"php\"}", 2.0)
                .containsEntry("fcgate_pool_max_children{pool=\"php\"}", 2.0)
                .containsEntry("fcgate_pool_children{pool=\"php\",state=\"idle\"}", 2.0)
                .containsEntry("fcgate_pool_queue_wait_seconds_count{pool=\"php\"}", (double) leases)
                .containsEntry("fcgate_pool_child_busy_seconds_count{pool=\"php\"}", (double) leases);
        assertThat(m.get("fcgate_pool_child_exits_total{pool=\"php\",reason=\"crash\"}")
                + m.get("fcgate_pool_child_exits_total{pool=\"php\",reason=\"broken\"}")).isEqualTo(K);
        assertThat(m.get("fcgate_pool_time_to_first_byte_seconds_count{pool=\"php\"}")).isEqualTo((double) ok);
        assertBoundedLabels(m.keySet());

        JsonNode status = new ObjectMapper().readTree(get("/status?json&full&pool=php").body());
        assertThat(status.get("accepted conn").asLong()).isEqualTo(leases);
        assertThat(status.get("listen queue").asLong()).isZero();
        assertThat(status.get("written ahead").asLong()).isZero();
        assertThat(status.get("max listen queue").asLong()).isEqualTo(3);
        assertThat(status.get("listen queue len").asLong()).isEqualTo(1);
        assertThat(status.get("idle processes").asLong()).isEqualTo(2);
        assertThat(status.get("active processes").asLong()).isZero();
        assertThat(status.get("total processes").asLong()).isEqualTo(2);
        assertThat(status.get("max active processes").asLong()).isEqualTo(2);
        assertThat(status.get("max children reached").asLong()).isEqualTo(3);
        assertThat(status.get("slow requests").asLong()).isEqualTo(slow);
        assertThat(status.get("processes")).hasSize(2);
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
