package org.fcgate.it.container;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.fcgate.it.support.RawHttp;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * The fcgate image under test ({@link TestImages#fcgate()}) as a container on the host's network, so it binds and
 * is reached on 127.0.0.1 only:
 * <ul>
 *   <li>the image's entrypoint (tini, the JVM) with {@code run} or {@code pool --config /etc/fcgate/fcgate.yaml
 *       --admin 127.0.0.1:ADMIN}, the configuration written by the test;</li>
 *   <li>{@code FCGATE_HEALTH_URL} pointed at that admin port, so the image's own HEALTHCHECK asks
 *       {@code /health/ready}; {@link #start()} returns once Docker reports the container healthy;</li>
 *   <li>the {@link TestSite} under {@code /var/www/html}.</li>
 * </ul>
 * {@link #close()} removes the container (running or exited).
 */
final class FcgateContainer extends GenericContainer<FcgateContainer> {

    /** From create to healthy on a loaded 2-core machine; a failure shows in the log well before. */
    static final Duration STARTUP = Duration.ofMinutes(2);
    /** For the container to exit after a stop signal: the drain, the pools' stop, JVM exit. */
    static final Duration EXIT = Duration.ofMinutes(1);

    private static final String CONFIG = "/etc/fcgate/fcgate.yaml";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int adminPort;

    private FcgateContainer(String command, String config) {
        super(DockerImageName.parse(TestImages.fcgate()));
        adminPort = LoopbackPorts.free();
        withNetworkMode("host");
        withLabels(ContainerLabels.labels());
        withCopyToContainer(Transferable.of(config), CONFIG);
        TestSite.copyInto(this);
        withEnv("FCGATE_HEALTH_URL", "http://127.0.0.1:" + adminPort + "/health/ready");
        withCommand(command, "--config", CONFIG, "--admin", "127.0.0.1:" + adminPort);
        waitingFor(Wait.forHealthcheck().withStartupTimeout(STARTUP));
    }

    /** {@code fcgate run}: the gateway of {@code config}. */
    static FcgateContainer gateway(String config) {
        return new FcgateContainer("run", config);
    }

    /** {@code fcgate pool}: the pools of {@code config} as FastCGI servers (docs/pool-server.md). */
    static FcgateContainer poolServer(String config) {
        return new FcgateContainer("pool", config);
    }

    int adminPort() {
        return adminPort;
    }

    /** GET {@code target} on the admin listener. */
    RawHttp.Response admin(String target) {
        return RawHttp.exchange(adminPort, "127.0.0.1", RawHttp.Request.get(target));
    }

    /** The php-fpm JSON status page of managed pool {@code pool}. */
    JsonNode poolStatus(String pool) {
        RawHttp.Response r = admin("/status?json&pool=" + pool);
        if (r.status() != 200) {
            throw new AssertionError("/status?json&pool=" + pool + " answered " + r.status() + ": " + r.bodyText());
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code signal} (e.g. {@code SIGTERM}) to the container's PID 1, as {@code docker kill --signal}. */
    void signal(String signal) {
        getDockerClient().killContainerCmd(getContainerId()).withSignal(signal).exec();
    }

    /** Waits until the container has exited and returns its exit code. */
    long awaitExit() {
        await("container " + getContainerId() + " exits").atMost(EXIT).pollInterval(Duration.ofMillis(100))
                .until(() -> !Boolean.TRUE.equals(state().getRunning()));
        return state().getExitCodeLong();
    }

    /** Docker's health status of the container: starting, healthy or unhealthy. */
    String health() {
        return state().getHealth().getStatus();
    }

    private com.github.dockerjava.api.command.InspectContainerResponse.ContainerState state() {
        return getDockerClient().inspectContainerCmd(getContainerId()).exec().getState();
    }
}
