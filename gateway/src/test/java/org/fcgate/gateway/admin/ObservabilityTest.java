package org.fcgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.fcgate.gateway.config.ListenAddress;
import org.junit.jupiter.api.Test;

/** The --admin address: a bare port is loopback; without the flag nothing listens and nothing is measured. */
class ObservabilityTest {

    @Test
    void barePortIsLoopback() {
        assertThat(Observability.parseAddress("9180")).isEqualTo(new ListenAddress("127.0.0.1", 9180));
        assertThat(Observability.parseAddress("10.0.0.1:9180")).isEqualTo(new ListenAddress("10.0.0.1", 9180));
    }

    @Test
    void disabledAddsNoHandlers() {
        Observability off = Observability.disabled();
        io.netty.channel.embedded.EmbeddedChannel ch = new io.netty.channel.embedded.EmbeddedChannel();
        off.pipelineHook().accept(ch.pipeline());
        assertThat(ch.pipeline().names()).doesNotContain("bytes", "metrics");
        ch.finishAndReleaseAll();
        off.close();
    }
}
