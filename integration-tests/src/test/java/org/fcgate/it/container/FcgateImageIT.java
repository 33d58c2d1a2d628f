package org.fcgate.it.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.fcgate.it.container.TestSite.Hello;
import org.fcgate.it.peer.PeerProcess;
import org.fcgate.it.support.RawHttp;
import org.fcgate.it.support.RawHttp.Request;
import org.fcgate.it.support.RawHttp.Response;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * The fcgate image (deploy/Dockerfile) on its own, with a managed php-cgi pool, the way docs/docker.md runs it:
 * PHP and static files served as the non-root user, tini as PID 1, the HEALTHCHECK, and SIGTERM through tini to the
 * JVM draining the request in flight before the container exits 0.
 */
@ContainerTest
class FcgateImageIT {

    /** fcgate managing php-cgi children itself (the image's default configuration, on a loopback port). */
    static String managedPhpCgi(int port) {
        return """
                listen: 127.0.0.1:%d
                root: /var/www/html
                pools:
                  php:
                    command: [/usr/bin/php-cgi]
                    env: {PHP_FCGI_CHILDREN: 0, PHP_FCGI_MAX_REQUESTS: 0}
                routes:
                  - match: {extension: .php}
                    fastcgi: {upstream: php}
                  - match: {prefix: /}
                    static: {try_files: [$uri, $uri/, "=404"]}
                """.formatted(port);
    }

    /**
     * The image as shipped: its own command ({@code run --config /etc/fcgate/fcgate.yaml --admin 0.0.0.0:9180}), its
     * default configuration (deploy/examples/php-cgi.yaml: :8080, php-cgi pool) and its HEALTHCHECK address line up.
     * In a network namespace of its own with loopback only ({@code --network none}), so binding every interface binds
     * nothing outside; the requests are made inside it with the image's curl.
     */
    @Test
    void asShippedItComesUpHealthyAndServesPhpOnPort8080() throws Exception {
        try (GenericContainer<?> fcgate = new GenericContainer<>(DockerImageName.parse(TestImages.fcgate()))) {
            fcgate.withNetworkMode("none")
                    .withLabels(ContainerLabels.labels())
                    .waitingFor(Wait.forHealthcheck().withStartupTimeout(FcgateContainer.STARTUP));
            TestSite.copyInto(fcgate);
            fcgate.start();

            ExecResult php = fcgate.execInContainer("curl", "-sS", "-i", "http://127.0.0.1:8080/hello.php?name=shipped");
            assertThat(php.getExitCode()).as(php.getStderr()).isZero();
            assertThat(php.getStdout()).startsWith("HTTP/1.1 200").contains("\"sapi\":\"cgi-fcgi\"")
                    .contains("\"name\":\"shipped\"");
            ExecResult ready = fcgate.execInContainer("curl", "-sS", "http://127.0.0.1:9180/health/ready");
            assertThat(ready.getStdout()).isEqualTo("ready\n");
        }
    }

    @Test
    void servesPhpFromItsManagedPhpCgiPoolAndStaticFilesAsTheNonRootUser() throws Exception {
        int port = LoopbackPorts.free();
        try (FcgateContainer fcgate = FcgateContainer.gateway(managedPhpCgi(port))) {
            fcgate.start();

            Hello hello = Hello.of(RawHttp.exchange(port, "localhost", Request.get("/hello.php?name=image")));
            assertThat(hello.sapi()).isEqualTo("cgi-fcgi");
            assertThat(hello.euid()).as("php-cgi runs as the image's user fcgate").isEqualTo(10001);
            assertThat(hello.script()).isEqualTo("/var/www/html/hello.php");
            assertThat(hello.name()).isEqualTo("image");

            Response text = RawHttp.exchange(port, "localhost", Request.get("/hello.txt"));
            assertThat(text.status()).isEqualTo(200);
            assertThat(text.bodyText()).isEqualTo(TestSite.HELLO_TXT);

            assertThat(fcgate.health()).isEqualTo("healthy");
            assertThat(fcgate.getContainerInfo().getConfig().getUser()).isEqualTo("fcgate");
            assertThat(fcgate.execInContainer("cat", "/proc/1/comm").getStdout()).isEqualTo("tini\n");
        }
    }

    /**
     * R75 in a container: {@code docker kill --signal SIGTERM} reaches the JVM through tini; readiness fails and the
     * listener closes at once, the request in flight still gets its answer, and the container exits 0.
     */
    @Test
    void sigtermDrainsTheRequestInFlightAndTheContainerExitsZero() throws Exception {
        int port = LoopbackPorts.free();
        ExecutorService client = Executors.newSingleThreadExecutor();
        try (FcgateContainer fcgate = FcgateContainer.gateway(managedPhpCgi(port))) {
            fcgate.start();
            Future<Response> inFlight = client.submit(
                    () -> RawHttp.exchange(port, "localhost", Request.get("/wait.php")));
            await("wait.php runs in a php-cgi child").atMost(Duration.ofSeconds(30))
                    .until(() -> fcgate.poolStatus("php").path("active processes").asInt() == 1);

            fcgate.signal("SIGTERM");
            await("readiness fails while draining").atMost(Duration.ofSeconds(30))
                    .until(() -> fcgate.admin("/health/ready").status() == 503);
            assertThat(fcgate.admin("/health/ready").bodyText()).contains("draining");
            await("the public listener is closed").atMost(Duration.ofSeconds(30))
                    .until(() -> !PeerProcess.accepts(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
            assertThat(inFlight).isNotDone();

            fcgate.copyFileToContainer(Transferable.of("go\n"), TestSite.RELEASE_FILE);
            Response answer = inFlight.get(1, TimeUnit.MINUTES);
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.bodyText()).isEqualTo("released\n");

            assertThat(fcgate.awaitExit()).as("exit code after a drain").isZero();
            assertThat(fcgate.getLogs()).contains("SIGTERM received: draining").contains("stopped in");
        } finally {
            client.shutdownNow();
        }
    }
}
