package org.fcgate.it.parity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fcgate.it.peer.FcgateProcess;
import org.fcgate.it.peer.NginxProcess;
import org.fcgate.it.peer.NginxProcess.UpstreamConnections;
import org.fcgate.it.peer.SampleAppProcess;
import org.fcgate.it.support.NoLeakedProcesses;
import org.fcgate.it.support.RawHttp;
import org.fcgate.it.support.RawHttp.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * R17 at the FastCGI level, where PHP cannot hide it: the sample app (which prints every PARAMS pair as
 * {@code NAME=VALUE}) behind stock nginx ({@code include fastcgi_params}, no {@code HTTP_PROXY ""} line) and behind
 * {@code fcgate serve --fastcgi}. Stock nginx passes {@code Proxy} as HTTP_PROXY; fcgate never does, in any case.
 * Peers: nginx, the sample app, fcgate (child JVM).
 */
@ExtendWith(NoLeakedProcesses.class)
class HttpoxyParamsIT {

    @TempDir
    Path dir;

    @Test
    void stockNginxPassesProxyAsHttpProxyFcgateNever() throws Exception {
        Path root = Files.createDirectories(dir.resolve("docroot"));
        Files.writeString(root.resolve("env.php"), "the sample app answers; fcgate only checks the script exists");
        Request r = Request.get("/env.php", "Proxy: http://attacker:8080", "proxy: x", "Foo: BAR");
        try (SampleAppProcess app = SampleAppProcess.start(Files.createDirectories(dir.resolve("app")));
             NginxProcess nginx = NginxProcess.start(Files.createDirectories(dir.resolve("nginx")), app.socket(),
                     UpstreamConnections.PER_REQUEST);
             FcgateProcess fcgate = FcgateProcess.start(Files.createDirectories(dir.resolve("fcgate")), root,
                     List.of("--fastcgi", "unix:" + app.socket()))) {
            List<String> viaNginx = params(RawHttp.exchange(nginx.port(), "localhost", r));
            List<String> viaFcgate = params(RawHttp.exchange(fcgate.port(), "localhost", r));

            // nginx 1.22 passes both lines as HTTP_PROXY pairs; the app, like PHP, keeps the last one.
            assertThat(viaNginx).contains("HTTP_PROXY=x", "HTTP_FOO=BAR");
            assertThat(viaFcgate).contains("HTTP_FOO=BAR").noneMatch(l -> l.startsWith("HTTP_PROXY="));
        }
    }

    private static List<String> params(RawHttp.Response r) {
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        return r.bodyText().lines().toList();
    }
}
