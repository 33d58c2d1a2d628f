package org.fcgate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UpstreamModelTest {

    @Test
    void cidrContainsOnlyItsBlockAndFamily() throws Exception {
        Cidr ten = Cidr.parse("10.0.0.0/8");
        assertThat(ten.contains(InetAddress.getByName("10.255.1.2"))).isTrue();
        assertThat(ten.contains(InetAddress.getByName("11.0.0.1"))).isFalse();
        assertThat(ten.contains(InetAddress.getByName("::1"))).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("203.0.113.9"))).isTrue();
        Cidr one = Cidr.parse("192.0.2.7");
        assertThat(one).hasToString("192.0.2.7/32");
        assertThat(one.contains(InetAddress.getByName("192.0.2.7"))).isTrue();
        assertThat(one.contains(InetAddress.getByName("192.0.2.6"))).isFalse();
        assertThat(Cidr.parse("2001:db8::/32").contains(InetAddress.getByName("2001:db8:1::5"))).isTrue();
    }

    @Test
    void cidrRefusesNamesBadPrefixesAndHostBits() {
        assertThatThrownBy(() -> Cidr.parse("localhost")).hasMessage("is not an IP address or ADDR/LEN block");
        assertThatThrownBy(() -> Cidr.parse("300.0.0.1")).hasMessage("is not an IP address or ADDR/LEN block");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessage("prefix length (33) must be within 0..32");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/x")).hasMessage("prefix length is not a number");
        assertThatThrownBy(() -> Cidr.parse("10.1.0.0/8"))
                .hasMessage("has host bits set (network would be 10.0.0.0/8)");
    }

    @Test
    void fastCgiAddresses() {
        assertThat(FastCgiAddress.parse("unix:/run/php.sock"))
                .isEqualTo(new FastCgiAddress.Unix(Path.of("/run/php.sock")));
        assertThat(FastCgiAddress.parse("[::1]:9000")).isEqualTo(new FastCgiAddress.Tcp("::1", 9000))
                .hasToString("[::1]:9000");
        assertThatThrownBy(() -> FastCgiAddress.parse("h:0")).hasMessage("port (0) must be within 1..65535");
        assertThatThrownBy(() -> FastCgiAddress.parse(":9000")).hasMessage("must be unix:/path or host:port");
    }

    @Test
    void recordsCheckWhatTheyHold() {
        assertThatThrownBy(() -> new FastCgiOptions(Map.of(), true, true, List.of(), Optional.of("index.php"),
                List.of())).hasMessage("front controller 'index.php' must start with '/'");
        assertThatThrownBy(() -> UpstreamConfig.External.withDefaults("fpm", List.of()))
                .hasMessage("fastcgi_server 'fpm' needs at least one address");
    }
}
