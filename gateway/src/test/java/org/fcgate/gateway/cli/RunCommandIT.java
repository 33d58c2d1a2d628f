package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.config.yaml.LoadedConfig;
import org.fcgate.gateway.fastcgi.FastCgiUpstream;
import org.fcgate.gateway.route.Route;
import org.fcgate.gateway.support.LeakTracker;
import org.fcgate.gateway.support.TestPools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fcgate run}: a YAML file on port 0, served for real. One managed pool of the sample app behind two routes
 * with different params, one external sample app on a Unix socket (keep_conn off by default), one static route.
 */
class RunCommandIT {

    static {
        LeakTracker.install();
    }

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();
    private final Path socket = Path.of("/tmp", "fcgw-ext-" + ProcessHandle.current().pid() + ".sock");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void noLeaks() throws Exception {
        for (Process p : started) {
            p.destroyForcibly().waitFor();
        }
        Files.deleteIfExists(socket);
        assertThat(LeakTracker.collect()).as("Netty buffer leaks").isEmpty();
    }

    @Test
    void servesPoolRoutesWithTheirOwnParamsAnExternalServerAndStaticFiles() throws Exception {
        Path www = Files.createDirectory(dir.resolve("www"));
        Files.writeString(www.resolve("hello.txt"), "hello from yaml\n");
        Files.createDirectories(www.resolve("admin"));
        Files.writeString(www.resolve("admin/index.app"), "script\n");
        Files.writeString(www.resolve("page.app"), "script\n");
        Files.createDirectories(www.resolve("ext"));
        Files.writeString(www.resolve("ext/x.app"), "script\n");
        Files.deleteIfExists(socket);
        startExternalApp(socket);
        Path file = Files.writeString(dir.resolve("fcgate.yaml"), """
                listen: 127.0.0.1:0
                root: www
                pools:
                  app:
                    command: %s
                    pm: static
                    max_children: 2
                fastcgi_servers:
                  ext:
                    addresses: [unix:%s]
                routes:
                  - match: {prefix: /admin/}
                    fastcgi:
                      upstream: app
                      script_extensions: [.app]
                      index: [index.app]
                      params: {APP_ROLE: admin, APP_EXTRA: "1"}
                  - match: {prefix: /ext/}
                    fastcgi: {upstream: ext, script_extensions: [.app]}
                  - match: {extension: .app}
                    fastcgi:
                      upstream: app
                      script_extensions: [.app]
                      params: {APP_ROLE: site}
                  - match: {prefix: /}
                    static: {}
                """.formatted(TestPools.legacyAppYaml(), socket));
        LoadedConfig loaded = ConfigLoader.create().load(file);
        try (RunningGateway gateway = RunCommand.start(loaded, TestPools.managers())) {
            String base = "http://127.0.0.1:" + gateway.port();
            HttpResponse<String> staticFile = get(base + "/hello.txt");
            assertThat(staticFile.statusCode()).isEqualTo(200);
            assertThat(staticFile.body()).isEqualTo("hello from yaml\n");

            // Two routes on one pool, each with its own params; /admin/ finds its index script.
            HttpResponse<String> admin = get(base + "/admin/");
            assertThat(admin.statusCode()).isEqualTo(200);
            assertThat(admin.body()).contains("APP_ROLE=admin\n", "APP_EXTRA=1\n",
                    "SCRIPT_NAME=/admin/index.app\n", "REQUEST_URI=/admin/\n");
            HttpResponse<String> site = get(base + "/page.app");
            assertThat(site.statusCode()).isEqualTo(200);
            assertThat(site.body()).contains("APP_ROLE=site\n", "SCRIPT_NAME=/page.app\n")
                    .doesNotContain("APP_EXTRA");
            assertThat(get(base + "/missing.app").statusCode()).isEqualTo(404);

            // The external server: two sequential requests, one process, no connection kept in between.
            FastCgiUpstream ext = (FastCgiUpstream) gateway.upstreams().lookup(extRoute(loaded));
            HttpResponse<String> first = get(base + "/ext/x.app");
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.body()).contains("SCRIPT_NAME=/ext/x.app\n").doesNotContain("APP_ROLE");
            await().atMost(Duration.ofSeconds(5)).until(() -> ext.openConnections().values().stream()
                    .allMatch(n -> n == 0));
            HttpResponse<String> second = get(base + "/ext/x.app");
            assertThat(second.statusCode()).isEqualTo(200);
            assertThat(value(second.body(), "pid")).isEqualTo(value(first.body(), "pid"));
            assertThat(Long.parseLong(value(second.body(), "requests-served")))
                    .isEqualTo(Long.parseLong(value(first.body(), "requests-served")) + 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> ext.openConnections().values().stream()
                    .allMatch(n -> n == 0));
        }
    }

    private static Route.FastCgi extRoute(LoadedConfig loaded) {
        return loaded.gateway().routes().stream().filter(Route.FastCgi.class::isInstance).map(Route.FastCgi.class::cast)
                .filter(r -> r.upstream().equals("ext")).findFirst().orElseThrow();
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String value(String body, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "=(.*)$").matcher(body);
        assertThat(m.find()).as(name + " in " + body).isTrue();
        return m.group(1);
    }

    /** The sample app as an external FastCGI server on {@code socket}; killed after the test. */
    private void startExternalApp(Path socket) throws Exception {
        List<String> command = new ArrayList<>(TestPools.legacyApp());
        command.add("--socket");
        command.add(socket.toString());
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("ext-app.log").toFile()).start();
        started.add(p);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            if (!p.isAlive()) {
                throw new UncheckedIOException(new IOException("external app exited: "
                        + Files.readString(dir.resolve("ext-app.log"))));
            }
            return Files.exists(socket);
        });
    }
}
