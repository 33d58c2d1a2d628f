package org.fcgate.it.container;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class that runs containers: skipped without a Docker daemon (failed instead under
 * {@code FCGATE_IT_DOCKER=required}), and checked after each test for containers left behind.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith({DockerAvailable.class, NoLeakedContainers.class})
@interface ContainerTest {
}
