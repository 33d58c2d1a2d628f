package org.fcgate.it.container;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Leak check after each container test (Ryuk, Testcontainers' reaper container, is not used here: the suite removes
 * its own containers). Every container the test started carries the session label; any still there, running or
 * exited, is removed and fails the test. Testcontainers' JVM shutdown hook removes the session's containers too,
 * for a run that is interrupted.
 */
public final class NoLeakedContainers implements AfterEachCallback {

    @Override
    public void afterEach(ExtensionContext context) {
        DockerClient docker = DockerClientFactory.instance().client();
        List<Container> left = docker.listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of(ContainerLabels.SESSION, ContainerLabels.session()))
                .exec();
        if (left.isEmpty()) {
            return;
        }
        for (Container c : left) {
            try {
                docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
            } catch (NotFoundException e) {
                // removed meanwhile
            }
        }
        throw new AssertionError("containers left by the test (removed now): "
                + left.stream().map(c -> c.getImage() + " " + Arrays.toString(c.getNames()) + " " + c.getState())
                        .toList());
    }
}
