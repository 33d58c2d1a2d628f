package org.fcgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fcgate.gateway.support.GatewayJar;
import org.fcgate.gateway.support.PhpFpm;
import org.fcgate.gateway.support.Resources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-server meters of a {@code fastcgi_servers} group of real php-fpm masters (each on its own Unix socket),
 * read from the real {@code /metrics} of the jar as Prometheus scrapes it: requests by status class, response time
 * and time to first byte per server, exact counts; round-robin shares among the servers that are up; the series of a
 * server across a configuration reload (SIGHUP).
 */
class UpstreamServerMetricsIT {

    @TempDir
    Path dir;
    private final List<PhpFpm> fpms = new ArrayList<>();
    private GatewayJar gateway;

    @AfterEach
    void stop() throws Exception {
        List<AutoCloseable> all = new ArrayList<>();
        all.add(gateway);
        all.addAll(fpms); // every one, even when one fails to close: none is left running
        Resources.closeInOrder(all.toArray(AutoCloseable[]::new));
    }

    private PhpFpm fpm() throws Exception {
        PhpFpm f = PhpFpm.start("fcgw-srvm", 1, PhpFpm.PhpIni.NONE);
        fpms.add(f);
        return f;
    }

    /** The gateway with route {@code *.php} to group {@code fpm} of {@code servers}; {@code failover}: YAML keys. */
    private void start(List<PhpFpm> servers, String failover) throws Exception {
        Path www = Files.createDirectories(dir.resolve("www"));
        // The status asked for: ?s=404 answers 404.
        Files.writeString(www.resolve("s.php"), "<?php http_response_code((int) ($_GET['s'] ?? 200)); echo 'ok';\n");
        gateway = GatewayJar.run(dir, yaml(servers, failover));
    }

    String yaml(List<PhpFpm> servers, String failover) {
        return """
                listen: 127.0.0.1:0
                root: %s
                fastcgi_servers:
                  fpm:
                    addresses: [%s]
                %s
                routes:
                  - match: {extension: .php}
                    fastcgi: {upstream: fpm, script_extensions: [.php]}
                """.formatted(dir.resolve("www"), String.join(", ", servers.stream().map(UpstreamServerMetricsIT::address)
                .toList()), failover.indent(4).stripTrailing());
    }

    static String address(PhpFpm f) {
        return "unix:" + f.socket();
    }

    private String scrape() throws Exception {
        return gateway.admin("/metrics").body();
    }

    /**
     * The value of the series {@code name} with exactly the labels {@code upstream=fpm, server=…} and
     * {@code extra}; -1 when there is no such series.
     */
    static double value(String scrape, String name, PhpFpm server, String... extra) {
        Map<String, String> want = new LinkedHashMap<>();
        want.put("upstream", "fpm");
        want.put("server", address(server));
        for (int i = 0; i < extra.length; i += 2) {
            want.put(extra[i], extra[i + 1]);
        }
        for (String line : scrape.lines().toList()) {
            if (!line.startsWith(name + "{")) {
                continue;
            }
            int close = line.lastIndexOf('}');
            Map<String, String> labels = new LinkedHashMap<>();
            for (String pair : line.substring(name.length() + 1, close).split(",")) {
                int eq = pair.indexOf('=');
                labels.put(pair.substring(0, eq), pair.substring(eq + 2, pair.length() - 1));
            }
            if (labels.equals(want)) {
                return Double.parseDouble(line.substring(close + 2));
            }
        }
        return -1;
    }

    static double requests(String scrape, PhpFpm server, String status) {
        return value(scrape, "fcgate_upstream_server_requests_total", server, "status", status);
    }

    @Test
    void eachServerCountsItsRequestsByStatusClassWithTheirResponseTimes() throws Exception {
        PhpFpm a = fpm();
        PhpFpm b = fpm();
        PhpFpm c = fpm();
        start(List.of(a, b, c), "health_check: {interval: 0}");
        // One at a time: round-robin sends request i to server i mod 3.
        for (int i = 0; i < 30; i++) {
            assertThat(gateway.get("/s.php?i=" + i).statusCode()).isEqualTo(200);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(gateway.get("/s.php?s=404").statusCode()).isEqualTo(404);
        }
        for (int i = 0; i < 6; i++) {
            assertThat(gateway.get("/s.php?s=503").statusCode()).isEqualTo(503);
        }
        String scrape = scrape();
        for (PhpFpm s : List.of(a, b, c)) {
            assertThat(requests(scrape, s, "2xx")).as("2xx of %s", s.socket()).isEqualTo(10);
            assertThat(requests(scrape, s, "4xx")).as("4xx of %s", s.socket()).isEqualTo(1);
            assertThat(requests(scrape, s, "5xx")).as("5xx of %s", s.socket()).isEqualTo(2);
            assertThat(requests(scrape, s, "3xx")).as("no class never seen").isEqualTo(-1);
            assertThat(value(scrape, "fcgate_upstream_server_response_seconds_count", s)).isEqualTo(13);
            assertThat(value(scrape, "fcgate_upstream_server_time_to_first_byte_seconds_count", s)).isEqualTo(13);
            assertThat(value(scrape, "fcgate_upstream_server_response_seconds_bucket", s, "le", "+Inf"))
                    .isEqualTo(13);
            assertThat(value(scrape, "fcgate_upstream_server_response_seconds_sum", s)).isPositive();
            assertThat(value(scrape, "fcgate_upstream_server_failures_total", s)).isZero();
        }
        // Bounded labels: the configured address, never the request's URL or query.
        assertThat(scrape.lines().filter(l -> l.startsWith("fcgate_upstream_server_"))).noneMatch(l -> l.contains("s.php"));
    }

    @Test
    void roundRobinSharesRequestsEvenlyAmongTheServersThatAreUp() throws Exception {
        PhpFpm a = fpm();
        PhpFpm b = fpm();
        PhpFpm c = fpm();
        start(List.of(a, b, c), "max_fails: 1\nfail_timeout: 1h\nhealth_check: {interval: 0}");
        fpms.remove(b);
        b.close(); // stopped: its first request is refused, retried on another server, and b ejected for the hour
        for (int i = 0; i < 100; i++) {
            assertThat(gateway.get("/s.php?i=" + i).statusCode()).as("request %d", i).isEqualTo(200);
        }
        String scrape = scrape();
        assertThat(requests(scrape, a, "2xx")).as("a: half").isEqualTo(50);
        assertThat(requests(scrape, c, "2xx")).as("c: half, not b's turns on top of its own").isEqualTo(50);
        assertThat(value(scrape, "fcgate_upstream_server_up", b)).isZero();
        assertThat(value(scrape, "fcgate_upstream_server_failures_total", b)).isEqualTo(1);
        assertThat(value(scrape, "fcgate_upstream_server_retries_total", b)).isEqualTo(1);
        assertThat(value(scrape, "fcgate_upstream_server_ejections_total", b)).isEqualTo(1);
        assertThat(requests(scrape, b, "2xx")).as("a refused connect is no request sent").isEqualTo(-1);
    }

    /**
     * R70 ("behaviour across reload documented"): a reload that changes the group (b out, c in) gives it new
     * connections; a stays and its series go on from where they were, b's end, c's start from zero.
     */
    @Test
    void R70_aServerThatStaysKeepsItsSeriesAcrossAReloadARemovedOneLosesThem() throws Exception {
        PhpFpm a = fpm();
        PhpFpm b = fpm();
        PhpFpm c = fpm();
        start(List.of(a, b), "health_check: {interval: 0}");
        for (int i = 0; i < 10; i++) {
            assertThat(gateway.get("/s.php?i=" + i).statusCode()).isEqualTo(200);
        }
        assertThat(gateway.get("/s.php?s=404").statusCode()).isEqualTo(404); // on a: round-robin's 11th
        String before = scrape();
        assertThat(requests(before, a, "2xx")).isEqualTo(5);
        assertThat(requests(before, a, "4xx")).isEqualTo(1);
        assertThat(requests(before, b, "2xx")).isEqualTo(5);
        assertThat(value(before, "fcgate_upstream_server_response_seconds_count", a)).isEqualTo(6);

        Files.writeString(dir.resolve("fcgate.yaml"), yaml(List.of(a, c), "health_check: {interval: 0}"));
        gateway.signal("HUP");
        await().atMost(Duration.ofSeconds(30)).until(() -> gateway.stderr()
                .contains("reload applied: configuration generation 2"));
        String after = scrape();
        assertThat(requests(after, a, "2xx")).as("a's counters go on, not reset").isEqualTo(5);
        assertThat(requests(after, a, "4xx")).isEqualTo(1);
        assertThat(value(after, "fcgate_upstream_server_response_seconds_count", a)).isEqualTo(6);
        assertThat(value(after, "fcgate_upstream_server_up", a)).isEqualTo(1);
        assertThat(after.lines().filter(l -> l.startsWith("fcgate_upstream_server_")))
                .as("b is out of the configuration: none of its series").noneMatch(l -> l.contains(address(b) + "\""));
        assertThat(value(after, "fcgate_upstream_server_up", c)).isEqualTo(1);
        assertThat(value(after, "fcgate_upstream_server_response_seconds_count", c)).isZero();
        assertThat(requests(after, c, "2xx")).as("a class appears once seen").isEqualTo(-1);

        for (int i = 0; i < 10; i++) {
            assertThat(gateway.get("/s.php?n=" + i).statusCode()).isEqualTo(200);
        }
        String later = scrape();
        assertThat(requests(later, a, "2xx")).isEqualTo(10);
        assertThat(requests(later, c, "2xx")).isEqualTo(5);
        assertThat(value(later, "fcgate_upstream_server_response_seconds_count", a)).isEqualTo(11);
        assertThat(value(later, "fcgate_upstream_server_connections", a)).as("no connection kept: keep_conn off")
                .isZero();
    }
}
