package org.fcgate.fcgi.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.fcgate.fcgi.app.FcgiEndpoint;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    @Test
    void noArgumentMeansTheSocketOnFd0() {
        assertThat(CommandLine.parse().endpoint()).isEqualTo(FcgiEndpoint.inherited());
    }

    @Test
    void socketAndTcpOptions() {
        assertThat(CommandLine.parse("--socket", "/run/app.sock").endpoint())
                .isEqualTo(FcgiEndpoint.unix(Path.of("/run/app.sock")));
        assertThat(CommandLine.parse("--tcp", "127.0.0.1:9000").endpoint())
                .isEqualTo(FcgiEndpoint.tcp(new InetSocketAddress("127.0.0.1", 9000)));
        assertThat(CommandLine.parse("--tcp", "[::1]:9000").endpoint())
                .isEqualTo(FcgiEndpoint.tcp(new InetSocketAddress("::1", 9000)));
        assertThat(CommandLine.parse("--help").help()).isTrue();
    }

    @Test
    void malformedArgumentsAreRefusedWithAReason() {
        assertThatThrownBy(() -> CommandLine.parse("--socket")).hasMessage("--socket takes one value");
        assertThatThrownBy(() -> CommandLine.parse("--tcp", "9000")).hasMessageContaining("expected HOST:PORT");
        assertThatThrownBy(() -> CommandLine.parse("--tcp", "h:x")).hasMessageContaining("invalid port");
        assertThatThrownBy(() -> CommandLine.parse("--help", "x")).hasMessageContaining("unexpected x");
        assertThatThrownBy(() -> CommandLine.parse("--verbose")).hasMessage("unknown argument: --verbose");
    }
}
