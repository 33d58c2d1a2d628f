package org.fcgate.it.container;

import java.time.Duration;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * php-fpm in a container on the host's network ({@link TestImages#phpFpm()}): its own configuration file, a static
 * pool of 2 workers as www-data listening on 127.0.0.1:{@link #port()}, the {@link TestSite}. Started once php-fpm
 * logs {@code ready to handle connections}.
 */
final class PhpFpmContainer extends GenericContainer<PhpFpmContainer> {

    private static final String CONFIG = "/etc/fcgate-it/php-fpm.conf";

    private final int port;

    PhpFpmContainer() {
        super(DockerImageName.parse(TestImages.phpFpm()));
        port = LoopbackPorts.free();
        withNetworkMode("host");
        withLabels(ContainerLabels.labels());
        withCopyToContainer(Transferable.of("""
                [global]
                error_log = /proc/self/fd/2
                daemonize = no

                [www]
                user = www-data
                group = www-data
                listen = 127.0.0.1:%d
                pm = static
                pm.max_children = 2
                clear_env = yes
                catch_workers_output = yes
                """.formatted(port)), CONFIG);
        TestSite.copyInto(this);
        // php-fpm8.2 in Debian's package (the base image), php-fpm in the php:8.2-fpm image.
        withCommand("sh", "-c", "exec \"$(command -v php-fpm8.2 || command -v php-fpm)\" --nodaemonize -y " + CONFIG);
        waitingFor(Wait.forLogMessage("(?s).*ready to handle connections.*", 1)
                .withStartupTimeout(Duration.ofMinutes(1)));
    }

    int port() {
        return port;
    }
}
