package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.fcgate.gateway.config.Cidr;
import org.fcgate.gateway.config.FastCgiAddress;
import org.fcgate.gateway.config.FastCgiOptions;
import org.fcgate.gateway.config.GatewayDefaults;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.gateway.fastcgi.BackendAddress;
import org.fcgate.gateway.fastcgi.ExternalServerOptions;
import org.fcgate.gateway.fastcgi.FastCgiUpstreamOptions;
import org.junit.jupiter.api.Test;

/** The model → forwarder mapping that {@code run} and {@code serve} share. */
class UpstreamFactoryTest {

    @Test
    void routeOptionsLayerOnTheBackendOptions() throws Exception {
        FastCgiUpstreamOptions backend = FastCgiUpstreamOptions.defaults().withConnectTimeout(Duration.ofSeconds(3))
                .withCgi(FastCgiUpstreamOptions.defaults().cgi().withServerName("app.example"));
        Map<String, String> params = new LinkedHashMap<>();
        params.put("APP_ENV", "admin");
        params.put("PHP_VALUE", "");
        FastCgiOptions route = new FastCgiOptions(params, false, false, List.of("index.php"), Optional.empty(),
                List.of(Cidr.parse("10.0.0.0/8")));

        FastCgiUpstreamOptions o = UpstreamFactory.routeOptions(backend, route);

        assertThat(o.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(o.cgi().serverName()).hasValue("app.example");
        assertThat(o.cgi().extraParams()).containsExactly(Map.entry("APP_ENV", "admin"), Map.entry("PHP_VALUE", ""));
        assertThat(o.streamRequestBody()).isTrue();
        assertThat(o.bufferResponse()).isFalse();
        assertThat(o.cgi().trustedProxies().trusts(InetAddress.getByName("10.9.8.7"))).isTrue();
        assertThat(o.cgi().trustedProxies().trusts(InetAddress.getByName("192.168.1.1"))).isFalse();
    }

    @Test
    void defaultRouteOptionsAreTheForwardersDefaults() {
        assertThat(UpstreamFactory.routeOptions(FastCgiUpstreamOptions.defaults(), FastCgiOptions.defaults()))
                .isEqualTo(FastCgiUpstreamOptions.defaults());
    }

    @Test
    void externalServerRecordMapsOntoTheConnectionPool() {
        UpstreamConfig.External e = new UpstreamConfig.External("fpm",
                List.of(FastCgiAddress.parse("unix:/run/php/fpm.sock"), FastCgiAddress.parse("[::1]:9000")),
                true, 5, Duration.ofSeconds(7), Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(30));
        ExternalServerOptions s = UpstreamFactory.externalServers(e);
        assertThat(s.name()).isEqualTo("fpm");
        assertThat(s.addresses()).containsExactly(new BackendAddress.Unix(java.nio.file.Path.of("/run/php/fpm.sock")),
                new BackendAddress.Tcp("::1", 9000));
        assertThat(s.keepAlive()).isTrue();
        assertThat(s.maxConnections()).isEqualTo(5);
        assertThat(s.idleTimeout()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void externalServerDefaultsHaveOneSource() {
        ExternalServerOptions fromYamlDefaults = UpstreamFactory.externalServers(UpstreamConfig.External.withDefaults(
                "fpm", List.of(FastCgiAddress.parse("127.0.0.1:9000"))));
        ExternalServerOptions forwarderDefaults = ExternalServerOptions.of("fpm",
                List.of(new BackendAddress.Tcp("127.0.0.1", 9000)));
        assertThat(fromYamlDefaults).isEqualTo(forwarderDefaults);
        assertThat(forwarderDefaults.keepAlive()).as("php-fpm safe default, as nginx").isFalse();
        assertThat(forwarderDefaults.maxConnections()).isEqualTo(GatewayDefaults.FASTCGI_MAX_CONNS_PER_SERVER);
    }
}
