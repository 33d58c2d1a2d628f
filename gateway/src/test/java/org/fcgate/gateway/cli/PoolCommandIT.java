package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.fcgate.gateway.admin.Observability;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.config.yaml.LoadedConfig;
import org.fcgate.gateway.poolserver.RunningPoolServer;
import org.fcgate.gateway.support.ConfigFiles;
import org.fcgate.gateway.support.LeakTracker;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.pool.Pool;
import org.fcgate.pool.status.ChildState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * php-fpm's deployment shape with fcgate on both sides: {@code fcgate pool} runs a sample-app pool on a Unix socket
 * (one child, no queue, request_terminate_timeout 8 s), and {@code fcgate run} uses it as a {@code fastcgi_servers}
 * entry. The pool server's admin listener shows the pool's metrics.
 */
class PoolCommandIT {

    static {
        LeakTracker.install();
    }

    @TempDir
    Path dir;

    private final Path socket = Path.of("/tmp", "fcgw-pc-" + ProcessHandle.current().pid() + ".sock");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void noLeaks() {
        assertThat(LeakTracker.collect()).as("Netty buffer leaks").isEmpty();
    }

    @Test
    void gatewayInFrontOfThePoolServer() throws Exception {
        Path poolFile = Files.writeString(dir.resolve("pools.yaml"),
                ConfigFiles.oneChildPoolServer(TestPools.legacyAppYaml(), socket));
        Path www = Files.createDirectory(dir.resolve("www"));
        Files.writeString(www.resolve("x.app"), "script\n");
        Path gatewayFile = Files.writeString(dir.resolve("gateway.yaml"), """
                listen: 127.0.0.1:0
                root: www
                fastcgi_servers:
                  pools:
                    addresses: [unix:%s]
                routes:
                  - match: {extension: .app}
                    fastcgi: {upstream: pools, script_extensions: [.app]}
                """.formatted(socket));
        try (RunningPoolServer pools = RunningPoolServer.start(
                ConfigLoader.create().loadPools(poolFile).listening(), TestPools.managers(),
                Optional.of(Observability.parseAddress("127.0.0.1:0")))) {
            Pool app = pools.manager().pool("app");
            await().atMost(Duration.ofSeconds(30)).until(() -> app.snapshot().count(ChildState.IDLE) == 1);
            LoadedConfig loaded = ConfigLoader.create().load(gatewayFile);
            try (RunningGateway gateway = RunCommand.start(loaded, TestPools.managers())) {
                String base = "http://127.0.0.1:" + gateway.port();
                HttpResponse<String> ok = get(base + "/x.app?a=1");
                assertThat(ok.statusCode()).isEqualTo(200);
                assertThat(ok.body()).contains("SCRIPT_NAME=/x.app\n", "QUERY_STRING=a=1\n");

                assertThat(get(base + "/x.app?crash=before").statusCode()).isEqualTo(502);
                await().atMost(Duration.ofSeconds(30)).until(() -> app.snapshot().count(ChildState.IDLE) == 1);

                CompletableFuture<HttpResponse<String>> busy = http.sendAsync(
                        HttpRequest.newBuilder(URI.create(base + "/x.app?sleep=4000")).build(),
                        HttpResponse.BodyHandlers.ofString());
                await().atMost(Duration.ofSeconds(30)).until(() -> app.snapshot().count(ChildState.BUSY) == 1);
                HttpResponse<String> refused = get(base + "/x.app?refused");
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(refused.headers().firstValue("Retry-After")).isPresent();
                assertThat(busy.get().statusCode()).isEqualTo(200);
                // The pool server frees the child just after relaying its END_REQUEST: without a queue, a request
                // sent at once could find it still busy (503).
                await().atMost(Duration.ofSeconds(30)).until(() -> app.snapshot().count(ChildState.IDLE) == 1);

                assertThat(get(base + "/x.app?sleep=15000").statusCode()).isEqualTo(504);
                await().atMost(Duration.ofSeconds(30)).until(() -> app.snapshot().count(ChildState.IDLE) == 1);
                assertThat(get(base + "/x.app").statusCode()).isEqualTo(200);
            }
            HttpResponse<String> metrics = get("http://127.0.0.1:" + pools.adminPort() + "/metrics");
            assertThat(metrics.body()).contains("fcgate_pool_leases_total{pool=\"app\"} 5.0",
                    "fcgate_pool_rejections_total{pool=\"app\",reason=\"queue_full\"} 1.0");
        }
        assertThat(socket).doesNotExist();
    }


    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
