package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fcgate.gateway.config.FastCgiAddress;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.PoolListen;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.config.yaml.LoadedConfig;
import org.fcgate.gateway.deploy.FcgatePod;
import org.fcgate.gateway.deploy.FcgatePod.Command;
import org.fcgate.gateway.deploy.KustomizeSubset;
import org.fcgate.gateway.deploy.Manifests;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.poolserver.RunningPoolServer;
import org.fcgate.gateway.support.LeakTracker;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.pool.Pool;
import org.fcgate.pool.status.ChildState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example overlay of deploy/k8s/ run for real, short of a cluster: its rendered ConfigMaps loaded as the pods
 * load them, a pool server (php-cgi children) and a gateway in front of it started in this JVM, with only the
 * addresses moved to loopback: the pools' {@code listen} and the admin listeners to 127.0.0.1 port 0, the gateway's
 * {@code fastcgi_servers} address (the pool Service) to the pool server's port, the document root (the demo site's
 * subPath mounts) to a directory here. Everything else (pool sizes, timeouts, routes, try_files) is the file's.
 */
class KubernetesConfigsIT {

    static {
        LeakTracker.install();
    }

    private static final Path EXAMPLE = Path.of("..", "deploy", "k8s", "overlays", "example");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    /** A series and the label matchers of its selector in a PromQL query: {@code name{a="b",<<...>>}}. */
    private static final Pattern SELECTOR = Pattern.compile("(fcgate_[a-z_]+)(?:\\{([^}]*)})?");
    private static final Pattern MATCHER = Pattern.compile("([a-z_]+)=\"([^\"]*)\"");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void noLeaks() {
        assertThat(LeakTracker.collect()).as("Netty buffer leaks").isEmpty();
    }

    @Test
    void theExampleServesItsDemoSiteThroughThePoolServerAndAnswersEveryProbe() throws Exception {
        Manifests m = Manifests.of("example", EXAMPLE, new KustomizeSubset(SERIALIZATION).render(EXAMPLE),
                SERIALIZATION);
        FcgatePod poolPod = FcgatePod.one(m, Command.POOL);
        FcgatePod gatewayPod = FcgatePod.one(m, Command.RUN);

        List<UpstreamConfig.ManagedPool> pools = new ArrayList<>();
        for (UpstreamConfig.ManagedPool p : ConfigLoader.create().parsePools(poolPod.configText(),
                poolPod.configPath().getParent()).listening()) {
            Path program = Path.of(p.pool().command().get(0));
            assertThat(program).as("pool %s runs %s (Debian php8.2-cgi; .ci/run installs it)", p.name(), program)
                    .isExecutable();
            pools.add(new UpstreamConfig.ManagedPool(p.name(), p.pool(), p.connectTimeout(), p.readTimeout(),
                    Optional.of(new PoolListen.Tcp(new ListenAddress("127.0.0.1", 0)))));
        }
        assertThat(pools).extracting(UpstreamConfig.ManagedPool::name).containsExactly("php");

        try (RunningPoolServer poolServer = RunningPoolServer.start(pools, TestPools.managers(),
                Optional.of(new ListenAddress("127.0.0.1", 0)))) {
            Pool php = poolServer.manager().pool("php");
            int maxChildren = php.config().maxChildren();
            await().atMost(Duration.ofSeconds(60)).until(() -> php.snapshot().count(ChildState.IDLE) == maxChildren);

            Path www = Files.createDirectory(dir.resolve("www"));
            LoadedConfig gatewayConfig = gatewayConfig(gatewayPod, www, poolServer.addresses().get("php"));
            try (RunningGateway gateway = RunningGateway.start(gatewayConfig.gateway(), TestPools.managers(),
                    Optional.of(new ListenAddress("127.0.0.1", 0)))) {
                String base = "http://127.0.0.1:" + gateway.port();
                HttpResponse<String> script = get(base + "/index.php");
                assertThat(script.statusCode()).as(script.body()).isEqualTo(200);
                assertThat(script.body()).startsWith("fcgate example: PHP 8.")
                        .contains("script: " + www.toRealPath().resolve("index.php") + "\n");
                HttpResponse<String> page = get(base + "/");
                assertThat(page.statusCode()).isEqualTo(200);
                assertThat(page.body()).contains("Served by an fcgate gateway pod.");
                HttpResponse<String> front = get(base + "/no/such/page");
                assertThat(front.statusCode()).as("try_files falls back to /index.php").isEqualTo(200);
                assertThat(front.body()).startsWith("fcgate example: PHP");
                assertThat(php.snapshot().counters().leases()).isEqualTo(2);

                assertProbesAnswer(gatewayPod, gateway.adminPort());
                assertProbesAnswer(poolPod, poolServer.adminPort());
            }
            assertAdapterSeriesAreExposed(get("http://127.0.0.1:" + poolServer.adminPort() + "/metrics").body());
        }
    }

    /**
     * The gateway pod's fcgate.yaml, with its listen address, the pool Service's address and the document root moved
     * here; the demo site's files written where the pod mounts them.
     */
    private LoadedConfig gatewayConfig(FcgatePod pod, Path www, String poolServerAddress) throws Exception {
        String text = pod.configText();
        LoadedConfig asMounted = ConfigLoader.withRootOpener((d, s, dots) -> DocumentRoot.open(www, s, dots))
                .parse(text, pod.configPath().getParent());
        List<FastCgiAddress> service = asMounted.externalServers().get(0).addresses();
        assertThat(service).hasSize(1);
        String serviceAddress = service.get(0).toString();
        assertThat(text.split(Pattern.quote(serviceAddress), -1)).as("%s written once", serviceAddress).hasSize(2);
        String here = text.replace(serviceAddress, poolServerAddress)
                .replaceFirst("(?m)^listen: .*$", "listen: 127.0.0.1:0");

        List<Path> roots = new ArrayList<>();
        LoadedConfig loaded = ConfigLoader.withRootOpener((d, s, dots) -> {
            roots.add(d);
            return DocumentRoot.open(www, s, dots);
        }).parse(here, pod.configPath().getParent());
        assertThat(roots).containsOnly(Path.of("/var/www/html"));
        Container c = pod.container();
        for (VolumeMount vm : c.getVolumeMounts()) {
            Path at = Path.of(vm.getMountPath());
            Volume v = pod.volume(vm.getName());
            if (at.startsWith(roots.get(0)) && v.getConfigMap() != null) {
                String content = pod.manifests().configMap(v.getConfigMap().getName()).getData().get(vm.getSubPath());
                Files.writeString(www.resolve(roots.get(0).relativize(at).toString()), content);
            }
        }
        assertThat(www.resolve("index.php")).exists();
        return loaded;
    }

    /** Every probe of the pod's container, asked of the running admin listener: 200. */
    private void assertProbesAnswer(FcgatePod pod, int adminPort) throws Exception {
        Container c = pod.container();
        for (Probe probe : List.of(c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe())) {
            String path = probe.getHttpGet().getPath();
            HttpResponse<String> r = get("http://127.0.0.1:" + adminPort + path);
            assertThat(r.statusCode()).as("%s %s: %s", pod.name(), path, r.body()).isEqualTo(200);
        }
    }

    /** Each series the prometheus-adapter rules query, with the label values they match, is on /metrics. */
    private static void assertAdapterSeriesAreExposed(String metrics) throws Exception {
        List<String> checked = new ArrayList<>();
        for (JsonNode rule : Manifests.adapterRules(EXAMPLE).values()) {
            for (String query : List.of(rule.path("seriesQuery").asText(), rule.path("metricsQuery").asText())) {
                Matcher series = SELECTOR.matcher(query);
                while (series.find()) {
                    String name = series.group(1);
                    List<String> wanted = new ArrayList<>();
                    Matcher label = MATCHER.matcher(series.group(2) == null ? "" : series.group(2));
                    while (label.find()) {
                        if (!label.group(2).isEmpty()) { // namespace!="" and pod!="" come from Prometheus
                            wanted.add(label.group(1) + "=\"" + label.group(2) + "\"");
                        }
                    }
                    assertThat(metrics.lines().filter(l -> l.startsWith(name + "{") && l.contains("pool=\"php\"")
                            && wanted.stream().allMatch(l::contains)))
                            .as("series %s%s on the pool server's /metrics", name, wanted).isNotEmpty();
                    checked.add(name + wanted);
                }
            }
        }
        assertThat(checked).contains("fcgate_pool_children[state=\"busy\"]", "fcgate_pool_max_children[]",
                "fcgate_pool_queue_length[]");
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
