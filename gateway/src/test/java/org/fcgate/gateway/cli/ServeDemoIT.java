package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fcgate.gateway.support.RawClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's main command, as users run it: {@code java -jar gateway/target/fcgate.jar serve} (built by the package
 * phase before this runs) serves the demo site and prints its URL; the {@code .app} scripts run in a pool of the
 * sample legacy app from the same jar, a pool named {@code app} on the start-up line, the status page and in metrics
 * labels. SIGTERM stops it with its children.
 */
class ServeDemoIT {

    private static final Pattern URL = Pattern.compile("on http://127\\.0\\.0\\.1:(\\d+)/");
    private static final Pattern ADMIN_PORT = Pattern.compile("admin listening on /127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    @Test
    void demoServesStaticFilesAndScriptsThenStopsWithItsChildren() throws Exception {
        Path jar = Path.of("target", "fcgate.jar");
        assertThat(jar).exists();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path log = dir.resolve("serve.err");
        Process p = new ProcessBuilder(java.toString(), "-jar", jar.toString(), "serve", "--listen", "127.0.0.1:0",
                "--admin", "127.0.0.1:0").redirectError(log.toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertThat(line).isNotNull();
            Matcher m = URL.matcher(line);
            assertThat(m.find()).as(line).isTrue();
            int port = Integer.parseInt(m.group(1));
            assertThat(line).contains("(scripts → pool 'app': sample legacy app)");
            try (RawClient c = new RawClient(port)) {
                RawClient.Response index = c.send("GET / HTTP/1.1\r\nHost: demo\r\n\r\n").read();
                assertThat(index.status()).isEqualTo(200);
                assertThat(index.bodyText()).contains("fcgate demo");
                RawClient.Response hello = c.send("GET /hello.txt HTTP/1.1\r\nHost: demo\r\n\r\n").read();
                assertThat(hello.bodyText()).startsWith("Hello");
                RawClient.Response info = c.send("GET /info.app/extra?x=1 HTTP/1.1\r\nHost: demo\r\n\r\n").read();
                assertThat(info.status()).isEqualTo(200);
                assertThat(info.bodyText()).contains("PATH_INFO=/extra\n", "QUERY_STRING=x=1\n", "SCRIPT_NAME=/info.app\n");
                // The shaded jar's manifest carries the project version (gateway/pom.xml), a -D from failsafe here.
                String version = System.getProperty("fcgate.expectedVersion");
                assertThat(info.bodyText()).contains("SERVER_SOFTWARE=fcgate/" + version + "\n");
            }
            // The pool runs the Java sample app: it is "app" wherever its name shows, never "php".
            Matcher admin = ADMIN_PORT.matcher(Files.readString(log));
            assertThat(admin.find()).as("admin port in the log").isTrue();
            try (RawClient c = new RawClient(Integer.parseInt(admin.group(1)))) {
                RawClient.Response status = c.send("GET /status?json HTTP/1.1\r\nHost: demo\r\n\r\n").read();
                assertThat(status.status()).isEqualTo(200);
                assertThat(status.bodyText()).contains("\"pool\":\"app\"");
                RawClient.Response metrics = c.send("GET /metrics HTTP/1.1\r\nHost: demo\r\n\r\n").read();
                assertThat(metrics.bodyText()).contains("fcgate_pool_max_children{pool=\"app\"} 2.0",
                        "route=\"fastcgi:app\"").doesNotContain("\"php\"");
            }
            List<ProcessHandle> children = p.descendants().toList();
            assertThat(children).isNotEmpty();
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
        } finally {
            p.destroyForcibly();
        }
        try (var dirs = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(dirs.filter(d -> d.getFileName().toString().equals("fcgate-" + p.pid())))
                    .as("runtime directory removed").isEmpty();
        }
    }
}
