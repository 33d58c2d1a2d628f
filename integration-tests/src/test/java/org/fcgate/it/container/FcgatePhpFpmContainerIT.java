package org.fcgate.it.container;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.HexFormat;
import org.fcgate.it.container.TestSite.Hello;
import org.fcgate.it.support.RawHttp;
import org.fcgate.it.support.RawHttp.Request;
import org.fcgate.it.support.TestBodies;
import org.junit.jupiter.api.Test;

/** The fcgate image in front of a php-fpm container: a {@code fastcgi_servers} entry on php-fpm's TCP port. */
@ContainerTest
class FcgatePhpFpmContainerIT {

    @Test
    void forwardsScriptsAndRequestBodiesToPhpFpm() throws Exception {
        try (PhpFpmContainer fpm = new PhpFpmContainer()) {
            fpm.start();
            int port = LoopbackPorts.free();
            try (FcgateContainer fcgate = FcgateContainer.gateway("""
                    listen: 127.0.0.1:%d
                    root: /var/www/html
                    fastcgi_servers:
                      fpm:
                        addresses: [127.0.0.1:%d]
                    routes:
                      - match: {extension: .php}
                        fastcgi: {upstream: fpm}
                      - match: {prefix: /}
                        static: {try_files: [$uri, $uri/, "=404"]}
                    """.formatted(port, fpm.port()))) {
                fcgate.start();

                Hello get = Hello.of(RawHttp.exchange(port, "localhost", Request.get("/hello.php?name=fpm")));
                assertThat(get.sapi()).isEqualTo("fpm-fcgi");
                assertThat(get.euid()).as("php-fpm's worker user www-data").isEqualTo(33);
                assertThat(get.script()).isEqualTo("/var/www/html/hello.php");
                assertThat(get.name()).isEqualTo("fpm");

                byte[] body = TestBodies.deterministic(256 * 1024, 7);
                Hello post = Hello.of(RawHttp.exchange(port, "localhost",
                        Request.post("/hello.php", "application/octet-stream", body)));
                assertThat(post.method()).isEqualTo("POST");
                assertThat(post.bodyLength()).isEqualTo(body.length);
                assertThat(post.bodyMd5()).isEqualTo(md5(body));
            }
        }
    }

    private static String md5(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }
}
