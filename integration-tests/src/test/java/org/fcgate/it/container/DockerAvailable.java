package org.fcgate.it.container;

import java.io.IOException;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * Runs the container tests only where a Docker daemon answers; elsewhere they are skipped, with one line in the log
 * for the whole run. With {@code FCGATE_IT_DOCKER=required} in the environment (what {@code .ci/run} sets) they run
 * anyway and fail, so CI cannot pass by skipping them.
 *
 * <p>The local socket is probed with a plain connect first: where there is no daemon at all, Testcontainers is not
 * asked (it would log every strategy it tried).
 */
public final class DockerAvailable implements ExecutionCondition, BeforeAllCallback {

    /** Environment variable; {@code required} turns a skip into a failure. */
    public static final String REQUIRED_ENV = "FCGATE_IT_DOCKER";

    private static final Logger LOG = LoggerFactory.getLogger(DockerAvailable.class);
    private static final AtomicBoolean SKIP_LOGGED = new AtomicBoolean();
    private static Optional<String> problem;

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<String> p = problem();
        if (p.isEmpty()) {
            return ConditionEvaluationResult.enabled("a Docker daemon answers");
        }
        if (required()) {
            return ConditionEvaluationResult.enabled(REQUIRED_ENV + "=required: run (and fail): " + p.get());
        }
        if (SKIP_LOGGED.compareAndSet(false, true)) {
            LOG.warn("container tests skipped: {} (docs/docker.md)", p.get());
        }
        return ConditionEvaluationResult.disabled("container tests skipped: " + p.get());
    }

    /** Fails the class with the reason when no daemon answers (they run without one only under required). */
    @Override
    public void beforeAll(ExtensionContext context) {
        problem().ifPresent(p -> {
            throw new AssertionError("no Docker for the container tests: " + p + "; " + REQUIRED_ENV
                    + "=required asks for them (docs/docker.md: start dockerd)");
        });
    }

    private static boolean required() {
        return "required".equals(System.getenv(REQUIRED_ENV));
    }

    /** Why the tests cannot run, or empty when a daemon answers; probed once per JVM. */
    private static synchronized Optional<String> problem() {
        if (problem == null) {
            problem = probe();
        }
        return problem;
    }

    private static Optional<String> probe() {
        String host = System.getenv("DOCKER_HOST");
        if (host == null || host.startsWith("unix://")) {
            Path socket = Path.of(host == null ? "/var/run/docker.sock" : URI.create(host).getPath());
            if (!Files.exists(socket)) {
                return Optional.of("no Docker daemon socket at " + socket);
            }
            try (SocketChannel ignored = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                // a daemon listens; Testcontainers checks the rest
            } catch (IOException e) {
                return Optional.of("no Docker daemon answers on " + socket + " (" + e.getMessage() + ")");
            }
        }
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            return Optional.of("Testcontainers finds no usable Docker environment (see its log)");
        }
        return Optional.empty();
    }
}
