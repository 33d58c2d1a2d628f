package org.fcgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin token file and the admin listener's own origins. */
class AdminTokenTest {

    @TempDir
    Path dir;

    @Test
    void tokenFileIsStrippedAndMatchedExactly() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "0123456789abcdefXYZ\n");
        AdminToken token = AdminToken.readFile(file);
        assertThat(token.matches("0123456789abcdefXYZ")).isTrue();
        assertThat(token.matches("0123456789abcdefXY")).isFalse();
        assertThat(token.matches("0123456789abcdefXYZ ")).isFalse();
        assertThat(token.matches("")).isFalse();
        assertThat(token.toString()).doesNotContain("0123");
    }

    @Test
    void shortTokenIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "fifteen-chars!!\n");
        assertThatThrownBy(() -> AdminToken.readFile(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 16 characters");
    }

    @Test
    void ownOriginsAreTheListenersAddressAndLocalhostForLoopback() throws Exception {
        assertThat(ControlEndpoints.ownOrigins(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 9001)))
                .containsExactly("http://127.0.0.1:9001", "http://localhost:9001");
        assertThat(ControlEndpoints.ownOrigins(new InetSocketAddress(InetAddress.getByName("::1"), 9001)))
                .containsExactly("http://[::1]:9001", "http://localhost:9001");
        assertThat(ControlEndpoints.ownOrigins(new InetSocketAddress(InetAddress.getByName("2001:db8:0:0:1:0:0:1"),
                80))).containsExactly("http://[2001:db8::1:0:0:1]:80");
        assertThat(ControlEndpoints.ownOrigins(new InetSocketAddress(InetAddress.getByName("2001:db8:0:1:1:1:1:1"),
                80))).containsExactly("http://[2001:db8:0:1:1:1:1:1]:80");
        assertThat(ControlEndpoints.ownOrigins(new InetSocketAddress(InetAddress.getByName("::"), 80)))
                .containsExactly("http://[::]:80");
        assertThat(ControlEndpoints.ownOrigins(new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 80)))
                .containsExactly("http://10.1.2.3:80");
    }
}
