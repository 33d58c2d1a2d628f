package org.fcgate.it.container;

import static org.assertj.core.api.Assertions.assertThat;

import org.fcgate.it.container.TestSite.Hello;
import org.fcgate.it.support.RawHttp;
import org.fcgate.it.support.RawHttp.Request;
import org.junit.jupiter.api.Test;

/**
 * Two containers of the fcgate image: {@code fcgate pool} running a php-cgi pool as a FastCGI server on a TCP port
 * (docs/pool-server.md), and {@code fcgate run} as the gateway in front of it, with that port as a
 * {@code fastcgi_servers} entry: pools and gateways deployed apart, as Kubernetes runs them.
 */
@ContainerTest
class FcgatePoolServerContainerIT {

    @Test
    void aGatewayContainerForwardsToAPoolServerContainer() throws Exception {
        int poolPort = LoopbackPorts.free();
        try (FcgateContainer pool = FcgateContainer.poolServer("""
                pools:
                  php:
                    command: [/usr/bin/php-cgi]
                    env: {PHP_FCGI_CHILDREN: 0, PHP_FCGI_MAX_REQUESTS: 0}
                    listen: 127.0.0.1:%d
                """.formatted(poolPort))) {
            pool.start();
            int port = LoopbackPorts.free();
            try (FcgateContainer gateway = FcgateContainer.gateway("""
                    listen: 127.0.0.1:%d
                    root: /var/www/html
                    fastcgi_servers:
                      pool:
                        addresses: [127.0.0.1:%d]
                    routes:
                      - match: {extension: .php}
                        fastcgi: {upstream: pool}
                      - match: {prefix: /}
                        static: {try_files: [$uri, $uri/, "=404"]}
                    """.formatted(port, poolPort))) {
                gateway.start();

                for (int i = 1; i <= 3; i++) {
                    Hello hello = Hello.of(RawHttp.exchange(port, "localhost", Request.get("/hello.php?name=" + i)));
                    assertThat(hello.sapi()).isEqualTo("cgi-fcgi");
                    assertThat(hello.euid()).as("php-cgi, a child of the pool server's fcgate user").isEqualTo(10001);
                    assertThat(hello.script()).isEqualTo("/var/www/html/hello.php");
                    assertThat(hello.name()).isEqualTo(Integer.toString(i));
                }
                assertThat(pool.poolStatus("php").path("accepted conn").asInt())
                        .as("requests the pool server's pool took").isEqualTo(3);
                assertThat(gateway.admin("/status").status()).as("the gateway runs no pool of its own")
                        .isEqualTo(404);
            }
        }
    }
}
