package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.config.yaml.LoadedConfig;
import org.fcgate.gateway.http.HttpServer;
import org.fcgate.gateway.support.LeakTracker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fcgate run}: a YAML file on port 0, served for real. */
class RunCommandIT {

    static {
        LeakTracker.install();
    }

    @TempDir
    Path dir;

    @AfterEach
    void noLeaks() {
        assertThat(LeakTracker.collect()).as("Netty buffer leaks").isEmpty();
    }

    @Test
    void servesTheStaticRouteAndAnswers502ForAnUnwiredPool() throws Exception {
        Path www = Files.createDirectory(dir.resolve("www"));
        Files.writeString(www.resolve("hello.txt"), "hello from yaml\n");
        Files.writeString(www.resolve("index.php"), "<?php echo 1;");
        Path file = Files.writeString(dir.resolve("fcgate.yaml"), """
                listen: 127.0.0.1:0
                root: www
                pools:
                  php: {command: [php-cgi]}
                routes:
                  - match: {extension: .php}
                    fastcgi: {upstream: php}
                  - match: {prefix: /}
                    static: {}
                """);
        LoadedConfig loaded = ConfigLoader.create().load(file);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (HttpServer server = RunCommand.start(loaded)) {
            String base = "http://127.0.0.1:" + server.port();
            HttpResponse<String> file200 = http.send(HttpRequest.newBuilder(URI.create(base + "/hello.txt")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(file200.statusCode()).isEqualTo(200);
            assertThat(file200.body()).isEqualTo("hello from yaml\n");

            HttpResponse<String> script = http.send(HttpRequest.newBuilder(URI.create(base + "/index.php")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(script.statusCode()).isEqualTo(502);
        }
    }
}
