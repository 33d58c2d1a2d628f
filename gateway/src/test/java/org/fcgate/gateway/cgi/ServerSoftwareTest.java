package org.fcgate.gateway.cgi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerSoftwareTest {

    @Test
    void theVersionComesFromTheManifestOrIsLeftOut() {
        assertThat(ServerSoftware.of("1.2.3")).isEqualTo("fcgate/1.2.3");
        assertThat(ServerSoftware.of(null)).as("no manifest (classes directory)").isEqualTo("fcgate");
        assertThat(ServerSoftware.of(" ")).isEqualTo("fcgate");
    }
}
