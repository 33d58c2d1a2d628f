package org.fcgate.it.container;

import java.util.Map;
import org.testcontainers.DockerClientFactory;

/** The label every container of this test JVM carries, so that {@link NoLeakedContainers} finds what is left. */
final class ContainerLabels {

    /** Label key; the value is Testcontainers' session id (one per test JVM). */
    static final String SESSION = "org.fcgate.it.session";

    private ContainerLabels() {
    }

    static String session() {
        return DockerClientFactory.SESSION_ID;
    }

    static Map<String, String> labels() {
        return Map.of(SESSION, session());
    }
}
