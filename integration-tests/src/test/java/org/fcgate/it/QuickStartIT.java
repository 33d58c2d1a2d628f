package org.fcgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fcgate.it.peer.Curl;
import org.fcgate.it.peer.FcgateProcess;
import org.fcgate.it.peer.PeerBinaries;
import org.fcgate.it.peer.PeerProcess;
import org.fcgate.it.support.NoLeakedProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two one-line starts README and docs/gateway.md promise, run as a user would and answered to curl: the bundled
 * demo ({@code fcgate serve}, no PHP) and the php-cgi quick start ({@code fcgate serve --root DIR}, whose default
 * pool is the {@code php-cgi} found on the PATH). Peers: curl, php-cgi, fcgate (child JVM).
 */
@ExtendWith(NoLeakedProcesses.class)
class QuickStartIT {

    @TempDir
    Path dir;

    @Test
    void demoServesItsStaticPageAndItsScriptsFromTheSampleAppPool() {
        Map<String, String> env = PeerProcess.baseEnvironment();
        env.put("LANG", "C.UTF-8");
        try (FcgateProcess fcgate = FcgateProcess.serve(dir, List.of(), env)) {
            Curl curl = new Curl(dir);
            String base = "http://127.0.0.1:" + fcgate.port();

            Curl.Response index = curl.get(base + "/");
            assertThat(index.status()).isEqualTo(200);
            assertThat(index.bodyText()).contains("fcgate demo");

            Curl.Response script = curl.get(base + "/info.app/extra/path?name=value");
            assertThat(script.status()).isEqualTo(200);
            assertThat(script.bodyLines()).contains("PATH_INFO=/extra/path", "QUERY_STRING=name=value",
                    "SCRIPT_NAME=/info.app", "GATEWAY_INTERFACE=CGI/1.1");

            assertThat(curl.get(base + "/info.app?crash=before").status()).isEqualTo(502);
            assertThat(curl.get(base + "/info.app").status()).as("the pool replaced the crashed child")
                    .isEqualTo(200);
        }
    }

    @Test
    void phpCgiQuickStartRunsScriptsWithThePhpCgiOnThePath() throws Exception {
        PeerBinaries.require("php-cgi", "php8.2-cgi");
        Path root = Files.createDirectories(dir.resolve("site"));
        Files.writeString(root.resolve("index.php"),
                "<?php echo 'hello from ', PHP_SAPI, ' ', $_SERVER['SCRIPT_NAME'], ' ', $_GET['q'] ?? '', \"\\n\";");
        Files.writeString(root.resolve("style.css"), "body { color: black; }\n");
        try (FcgateProcess fcgate = FcgateProcess.start(Files.createDirectories(dir.resolve("fcgate")), root,
                List.of())) {
            Curl curl = new Curl(dir);
            String base = "http://127.0.0.1:" + fcgate.port();

            Curl.Response php = curl.get(base + "/index.php?q=x");
            assertThat(php.status()).isEqualTo(200);
            assertThat(php.bodyText()).isEqualTo("hello from cgi-fcgi /index.php x\n");

            Curl.Response css = curl.get(base + "/style.css");
            assertThat(css.status()).isEqualTo(200);
            assertThat(css.header("content-type")).startsWith("text/css");

            assertThat(curl.get(base + "/missing.php").status()).isEqualTo(404);
        }
    }
}
