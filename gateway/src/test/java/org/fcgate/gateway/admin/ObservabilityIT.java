package org.fcgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.fcgate.gateway.support.GatewayJar;
import org.fcgate.gateway.support.TestPools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * The admin listener of the gateway as operators run it ({@code java -jar target/fcgate.jar run --config FILE
 * --admin 0}, a static pool of two sample-app children, {@code slow_request_timeout: 1s}, the access log in a file,
 * and a {@code fastcgi_servers} group {@code remote} of two servers: a sample-app process on a Unix socket, and a
 * socket nobody listens on, which its health checks take out of service):
 * slow requests on every status format and in {@code /metrics}; the Grafana dashboard's queries against a real
 * scrape; the status page read the way php-fpm_exporter and Prometheus read it, with a hostile file name; and R77's
 * last clause (child output after a log reopen).
 */
class ObservabilityIT {

    private static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "fcgate-dashboard.json");
    /** A script name a browser can ask for that needs escaping in every format (control bytes never pass: 400). */
    private static final String HOSTILE = "q\"<script>alert('x')&.app";

    @TempDir
    static Path dir;
    static GatewayJar gateway;
    static Path accessLog;
    /** The live server of the {@code remote} group: the sample app on its own socket, stopped by PID. */
    static Process remoteApp;
    static Path remoteSocket;
    static Path absentSocket;

    @BeforeAll
    static void start() throws Exception {
        Path www = Files.createDirectory(dir.resolve("www"));
        Files.writeString(www.resolve("hello.txt"), "hello\n");
        Files.writeString(www.resolve("s.app"), "script\n");
        Files.writeString(www.resolve("r.remote"), "script\n");
        Files.writeString(www.resolve(HOSTILE), "script\n");
        accessLog = dir.resolve("access.log");
        remoteSocket = dir.resolve("remote.sock");
        absentSocket = dir.resolve("absent.sock");
        List<String> remote = new ArrayList<>(TestPools.legacyApp());
        remote.addAll(List.of("--socket", remoteSocket.toString()));
        remoteApp = new ProcessBuilder(remote).redirectErrorStream(true)
                .redirectOutput(dir.resolve("remote-app.log").toFile()).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(remoteSocket));
        gateway = GatewayJar.run(dir, """
                listen: 127.0.0.1:0
                root: %s
                access_log: {path: %s, format: combined}
                slow_request_timeout: 1s
                pools:
                  app:
                    command: %s
                    pm: static
                    max_children: 2
                    kill_grace: 0
                fastcgi_servers:
                  remote:
                    addresses: [unix:%s, unix:%s]
                    health_check: {interval: 1s, timeout: 1s, rise: 1, fall: 1}
                routes:
                  - match: {extension: .app}
                    fastcgi: {upstream: app, script_extensions: [.app]}
                  - match: {extension: .remote}
                    fastcgi: {upstream: remote, script_extensions: [.remote]}
                  - match: {prefix: /}
                    static: {}
                """.formatted(www, accessLog, TestPools.legacyAppYaml(), remoteSocket, absentSocket));
        await().atMost(Duration.ofSeconds(60)).until(() -> json("/status?json").get("idle processes").asInt() == 2);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            if (remoteApp != null) {
                remoteApp.destroy(); // SIGTERM, by PID
                if (!remoteApp.waitFor(20, TimeUnit.SECONDS)) {
                    remoteApp.destroyForcibly().waitFor();
                }
            }
        }
    }

    @Test
    void aSlowRequestIsCountedOnEveryStatusFormatAndInMetricsWhileItRuns() throws Exception {
        long before = slowRequestsInEveryFormat();
        assertThat(gateway.get("/s.app?i=fast").statusCode()).isEqualTo(200);
        CompletableFuture<HttpResponse<String>> slow = gateway.getAsync("/s.app?sleep=5000&token=secret");
        await().atMost(Duration.ofSeconds(20)).until(() -> slowLines().size() == before + 1);
        // Still running: counted when the threshold passes, as php-fpm's scoreboard does.
        assertThat(json("/status?json").get("active processes").asInt()).isEqualTo(1);
        assertThat(slowRequestsInEveryFormat()).isEqualTo(before + 1);
        assertThat(slowLines().get(slowLines().size() - 1)).contains("upstream=app", "uri=/s.app ", "threshold=1.000s")
                .doesNotContain("secret");
        assertThat(slow.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(slowRequestsInEveryFormat()).isEqualTo(before + 1);
    }

    /** The count, after asserting that text, ?full, JSON, XML, HTML, OpenMetrics and /metrics all agree on it. */
    private static long slowRequestsInEveryFormat() throws Exception {
        Map<String, Long> seen = new LinkedHashMap<>();
        seen.put("text", number(gateway.admin("/status").body(), "(?m)^slow requests:\\s+(\\d+)$"));
        seen.put("text full", number(gateway.admin("/status?full").body(), "(?m)^slow requests:\\s+(\\d+)$"));
        seen.put("json", json("/status?json").get("slow requests").asLong());
        seen.put("json full", json("/status?json&full").get("slow requests").asLong());
        for (String q : List.of("?xml", "?xml&full")) {
            seen.put(q, Long.parseLong(xml("/status" + q).getElementsByTagName("slow-requests").item(0)
                    .getTextContent()));
        }
        for (String q : List.of("?html", "?html&full")) {
            seen.put(q, number(gateway.admin("/status" + q).body(), "<tr><th>slow requests</th><td>(\\d+)</td></tr>"));
        }
        seen.put("openmetrics", number(gateway.admin("/status?openmetrics").body(),
                "(?m)^phpfpm_slow_requests (\\d+)$"));
        seen.put("/metrics", number(gateway.admin("/metrics").body(),
                "(?m)^fcgate_pool_slow_requests_total\\{pool=\"app\"} (\\d+)\\.0$"));
        assertThat(Set.copyOf(seen.values())).as("slow requests by format: %s", seen).hasSize(1);
        return seen.get("text");
    }

    private static List<String> slowLines() {
        return gateway.stderr().lines().filter(l -> l.contains("slow request upstream=")).toList();
    }

    // ---- the Grafana dashboard ---------------------------------------------------------------------------------

    @Test
    void everyMetricAndLabelValueTheDashboardQueriesIsInARealScrape() throws Exception {
        assertThat(gateway.get("/hello.txt").statusCode()).isEqualTo(200);
        assertThat(gateway.get("/s.app?i=dashboard").statusCode()).isEqualTo(200);
        assertThat(gateway.get("/missing.txt").statusCode()).isEqualTo(404);
        assertThat(gateway.get("/s.app?status=503").statusCode()).isEqualTo(503); // a 5xx series to select
        // The remote group: served by its live server; the absent one failed its health checks and is out.
        assertThat(gateway.get("/r.remote").statusCode()).isEqualTo(200);
        assertThat(gateway.get("/r.remote?status=503").statusCode()).isEqualTo(503); // the 5xx share's series
        String absent = "{server=\"unix:" + absentSocket + "\",upstream=\"remote\"}";
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            String metrics = gateway.admin("/metrics").body();
            return metrics.contains("fcgate_upstream_server_up" + absent + " 0.0")
                    && metrics.contains("fcgate_upstream_server_up{server=\"unix:" + remoteSocket
                            + "\",upstream=\"remote\"} 1.0")
                    && !metrics.contains("fcgate_upstream_server_health_check_failures_total" + absent + " 0.0");
        });
        // jvm_gc_pause_seconds exists once a collection has happened: ask the gateway's JVM for one.
        Process gc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(gateway.pid()), "GC.run").redirectErrorStream(true).start();
        String gcOut = new String(gc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gc.waitFor()).as(gcOut).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.admin("/metrics").body()
                .contains("jvm_gc_pause_seconds_sum"));
        String scrape = gateway.admin("/metrics").body();
        Set<String> names = GatewayJar.metricNames(scrape);

        List<String> exprs = DashboardQueries.of(new ObjectMapper().readTree(DASHBOARD.toFile()));
        assertThat(exprs).hasSizeGreaterThan(20);
        Set<String> used = new TreeSet<>();
        for (String expr : exprs) {
            Set<String> inExpr = DashboardQueries.metricNames(expr);
            assertThat(inExpr).as("metric names in %s", expr).isNotEmpty();
            assertThat(names).as("scrape has every metric of %s", expr).containsAll(inExpr);
            used.addAll(inExpr);
            for (DashboardQueries.LabelMatcher m : DashboardQueries.fixedMatchers(expr)) {
                assertThat(scrape.lines().filter(l -> !l.startsWith("#")).anyMatch(m::matches))
                        .as("a series %s in the scrape, for %s", m, expr).isTrue();
            }
        }
        // What issue 5 asks the dashboard to show.
        assertThat(used).contains("fcgate_http_server_requests_seconds_count", "fcgate_http_server_requests_seconds_bucket",
                "fcgate_pool_children", "fcgate_pool_max_children", "fcgate_pool_queue_length",
                "fcgate_pool_queue_wait_seconds_bucket", "fcgate_pool_rejections_total",
                "fcgate_pool_request_timeouts_total", "fcgate_pool_child_exits_total", "fcgate_http_connections_open",
                "fcgate_pool_slow_requests_total", "jvm_memory_used_bytes");
        // The servers of fastcgi_servers groups: every fcgate_upstream_server_* series the gateway exports.
        Set<String> upstreamServer = new TreeSet<>(scrape.lines().filter(l -> l.startsWith("fcgate_upstream_server_"))
                .map(l -> l.substring(0, l.indexOf('{'))).toList());
        assertThat(upstreamServer).isNotEmpty();
        assertThat(used).containsAll(upstreamServer);
    }

    // ---- the status page as php-fpm_exporter and Prometheus read it --------------------------------------------

    /** php-fpm_exporter's {@code phpfpm.Pool} (Go {@code encoding/json}, same names and types). */
    record ExporterPool(@JsonProperty("pool") String name, @JsonProperty("process manager") String processManager,
                        @JsonProperty("start time") long startTime, @JsonProperty("start since") long startSince,
                        @JsonProperty("accepted conn") long acceptedConn, @JsonProperty("listen queue") long listenQueue,
                        @JsonProperty("max listen queue") long maxListenQueue,
                        @JsonProperty("listen queue len") long listenQueueLen,
                        @JsonProperty("idle processes") long idleProcesses,
                        @JsonProperty("active processes") long activeProcesses,
                        @JsonProperty("total processes") long totalProcesses,
                        @JsonProperty("max active processes") long maxActiveProcesses,
                        @JsonProperty("max children reached") long maxChildrenReached,
                        @JsonProperty("slow requests") long slowRequests,
                        @JsonProperty("processes") List<ExporterProcess> processes) {
    }

    /** php-fpm_exporter's {@code phpfpm.PoolProcess}. */
    record ExporterProcess(@JsonProperty("pid") long pid, @JsonProperty("state") String state,
                           @JsonProperty("start time") long startTime, @JsonProperty("start since") long startSince,
                           @JsonProperty("requests") long requests,
                           @JsonProperty("request duration") long requestDuration,
                           @JsonProperty("request method") String requestMethod,
                           @JsonProperty("request uri") String requestUri,
                           @JsonProperty("content length") long contentLength, @JsonProperty("user") String user,
                           @JsonProperty("script") String script,
                           @JsonProperty("last request cpu") double lastRequestCpu,
                           @JsonProperty("last request memory") int lastRequestMemory) {
    }

    @Test
    void jsonAndOpenMetricsParseAsPhpFpmExporterAndPrometheusReadThemAndAHostileNameIsEscaped() throws Exception {
        String encoded = "/q%22%3Cscript%3Ealert('x')&.app";
        assertThat(gateway.get(encoded + "?token=secret").statusCode()).isEqualTo(200);
        String uri = "/" + HOSTILE;

        // Go's encoding/json is strict about types: no string for a number, no 1.0 for an int, every field there.
        ObjectMapper strict = JsonMapper.builder().disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        ExporterPool pool = strict.readValue(gateway.admin("/status?json&full").body(), ExporterPool.class);
        assertThat(pool.name()).isEqualTo("app");
        assertThat(pool.processManager()).isEqualTo("static");
        assertThat(pool.processes()).hasSize(2);
        // php-fpm_exporter's CalculateProcessScoreboard: Idle and Running rows make up idle and active.
        assertThat(pool.processes().stream().filter(p -> p.state().equals("Idle")).count())
                .isEqualTo(pool.idleProcesses());
        assertThat(pool.processes().stream().filter(p -> p.state().equals("Running")).count())
                .isEqualTo(pool.activeProcesses());
        assertThat(pool.idleProcesses() + pool.activeProcesses()).isEqualTo(pool.totalProcesses()).isEqualTo(2);
        ExporterProcess served = pool.processes().stream().filter(p -> p.requestUri().equals(uri)).findFirst()
                .orElseThrow(() -> new AssertionError("no process row with request uri " + uri + ": " + pool));
        assertThat(served.requestMethod()).isEqualTo("GET");
        assertThat(served.script()).endsWith(uri);
        assertThat(pool.processes()).allSatisfy(p -> assertThat(p.requestUri()).doesNotContain("secret", "?"));

        // ?openmetrics as a Prometheus scrape: HELP and TYPE before each sample, integer values, # EOF last; the
        // values are the JSON's (nothing runs in between).
        Map<String, Long> om = openMetrics(gateway.admin("/status?openmetrics").body());
        assertThat(om).containsEntry("phpfpm_up", 1L)
                .containsEntry("phpfpm_accepted_connections", pool.acceptedConn())
                .containsEntry("phpfpm_listen_queue", pool.listenQueue())
                .containsEntry("phpfpm_max_listen_queue", pool.maxListenQueue())
                .containsEntry("phpfpm_listen_queue_length", pool.listenQueueLen())
                .containsEntry("phpfpm_idle_processes", pool.idleProcesses())
                .containsEntry("phpfpm_active_processes", pool.activeProcesses())
                .containsEntry("phpfpm_total_processes", pool.totalProcesses())
                .containsEntry("phpfpm_max_active_processes", pool.maxActiveProcesses())
                .containsEntry("phpfpm_max_children_reached", pool.maxChildrenReached())
                .containsEntry("phpfpm_slow_requests", pool.slowRequests());
        assertThat(om.get("phpfpm_start_since")).isBetween(pool.startSince(), pool.startSince() + 60);

        // The same name in the other formats: one line in text, well-formed XML, escaped HTML.
        String text = gateway.admin("/status?full").body();
        assertThat(text).contains("request URI:          " + uri + "\n");
        Document x = xml("/status?xml&full");
        List<String> xmlUris = new ArrayList<>();
        for (int i = 0; i < x.getElementsByTagName("request-uri").getLength(); i++) {
            xmlUris.add(x.getElementsByTagName("request-uri").item(i).getTextContent());
        }
        assertThat(xmlUris).contains(uri);
        assertThat(x.getElementsByTagName("script").getLength()).isEqualTo(2); // nothing injected
        String html = gateway.admin("/status?html&full").body();
        assertThat(html).doesNotContain("<script>")
                .contains("<td>/q&quot;&lt;script&gt;alert(&#39;x&#39;)&amp;.app</td>");
    }

    /** A text-format parse that fails on anything Prometheus would reject in php-fpm's ?openmetrics. */
    private static Map<String, Long> openMetrics(String body) {
        assertThat(body).endsWith("\n# EOF\n");
        Map<String, String> types = new LinkedHashMap<>();
        Set<String> helped = new TreeSet<>();
        Map<String, Long> values = new LinkedHashMap<>();
        Pattern sample = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*) (-?\\d+)");
        for (String line : body.substring(0, body.length() - "# EOF\n".length()).split("\n")) {
            if (line.startsWith("# HELP ")) {
                helped.add(line.split(" ", 4)[2]);
            } else if (line.startsWith("# TYPE ")) {
                String[] f = line.split(" ");
                assertThat(f).as(line).hasSize(4);
                assertThat(f[3]).as(line).isIn("gauge", "counter");
                types.put(f[2], f[3]);
            } else {
                Matcher m = sample.matcher(line);
                assertThat(m.matches()).as("sample line %s", line).isTrue();
                assertThat(types).as("TYPE before %s", line).containsKey(m.group(1));
                assertThat(helped).as("HELP before %s", line).contains(m.group(1));
                assertThat(values.put(m.group(1), Long.parseLong(m.group(2)))).as("one sample of %s", line).isNull();
            }
        }
        assertThat(values.keySet()).isEqualTo(types.keySet());
        return values;
    }

    // ---- R77: child output after a log reopen ------------------------------------------------------------------

    /**
     * R77's last clause. php-fpm hands children its error_log as stderr, so after a reopen they kept writing to the
     * rotated file (GH-8885). fcgate children write to pipes fcgate reads (process stdout and stderr) and to FastCGI
     * STDERR records; both become lines of fcgate's error log, which is its own stderr, never a file it opens. After
     * rename + SIGUSR1, the access log goes to the new file and child output still reaches the error log.
     */
    @Test
    void R77_afterRenameAndSigusr1ChildOutputStillReachesTheErrorLogAndNeverTheAccessLog() throws Exception {
        assertThat(gateway.get("/s.app?i=before-rotation").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(accessLog).contains("i=before-rotation"));
        Path rotated = dir.resolve("access.log.1");
        Files.move(accessLog, rotated);
        gateway.signal("USR1");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(accessLog));
        int errorLogBefore = gateway.stderr().length();

        assertThat(gateway.get("/s.app?i=after-rotation&stderr=2&sleep=1").statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(accessLog).contains("i=after-rotation"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(gateway.stderr()
                .substring(errorLogBefore))
                .contains("stderr: legacy-app stderr line 1 of 2", "stderr: legacy-app stderr line 2 of 2")
                .containsPattern("\\[pool app] child \\d+ said: legacy-app: request \\d+ sleeping 1 ms"));
        assertThat(Files.readString(rotated)).contains("i=before-rotation").doesNotContain("i=after-rotation");
        assertThat(Files.readString(accessLog)).doesNotContain("i=before-rotation");
        for (Path log : List.of(rotated, accessLog)) {
            assertThat(Files.readString(log)).as(log.toString()).doesNotContain("legacy-app");
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static JsonNode json(String path) throws Exception {
        return new ObjectMapper().readTree(gateway.admin(path).body());
    }

    private static Document xml(String path) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(gateway.admin(path).body().getBytes(StandardCharsets.UTF_8)));
    }

    private static long number(String body, String regex) {
        Matcher m = Pattern.compile(regex).matcher(body);
        assertThat(m.find()).as("%s in:\n%s", regex, body).isTrue();
        return Long.parseLong(m.group(1));
    }
}
