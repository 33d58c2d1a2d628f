package org.fcgate.gateway.config.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.fcgate.gateway.config.Failover;
import org.fcgate.gateway.config.FastCgiAddress;
import org.fcgate.gateway.config.GatewayDefaults;
import org.fcgate.gateway.config.HealthCheck;
import org.fcgate.gateway.config.UpstreamConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fastcgi_servers.NAME}: {@code max_tries}, {@code max_fails}, {@code fail_timeout}, {@code health_check}. */
class FailoverConfigTest {

    @TempDir
    Path dir;

    private LoadedConfig load(String servers) throws InvalidConfigException {
        return ConfigLoader.create().parse("root: " + dir + "\nfastcgi_servers:\n" + servers
                + "\nroutes:\n  - match: {prefix: /}\n    static: {}\n", dir);
    }

    private List<String> errors(String servers) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> load(servers));
        assertThat(e).as("expected errors for:\n" + servers).isNotNull();
        return e.lines();
    }

    @Test
    void defaultsAreTheNamedOnes() throws Exception {
        UpstreamConfig.External e = load("  app: {addresses: [198.18.0.2:9000, 198.18.0.3:9000]}")
                .externalServers().get(0);
        assertThat(e.failover()).isEqualTo(Failover.defaults());
        assertThat(e.failover()).isEqualTo(new Failover(GatewayDefaults.FASTCGI_MAX_TRIES,
                GatewayDefaults.FASTCGI_MAX_FAILS, GatewayDefaults.FASTCGI_FAIL_TIMEOUT, new HealthCheck(
                        GatewayDefaults.HEALTH_CHECK_INTERVAL, GatewayDefaults.HEALTH_CHECK_TIMEOUT,
                        GatewayDefaults.HEALTH_CHECK_RISE, GatewayDefaults.HEALTH_CHECK_FALL, Optional.empty(),
                        Optional.empty())));
        assertThat(e.failover().healthCheck().enabled()).isTrue();
    }

    @Test
    void everyKeyIsRead() throws Exception {
        UpstreamConfig.External e = load("""
                  app:
                    addresses: [198.18.0.2:9000, 198.18.0.3:9000]
                    max_tries: 3
                    max_fails: 2
                    fail_timeout: 30s
                    health_check:
                      interval: 500ms
                      timeout: 250ms
                      rise: 1
                      fall: 4
                      request: /ping?full
                      script_filename: /srv/ping.php
                """).externalServers().get(0);
        assertThat(e.failover()).isEqualTo(new Failover(3, 2, Duration.ofSeconds(30), new HealthCheck(
                Duration.ofMillis(500), Duration.ofMillis(250), 1, 4, Optional.of("/ping?full"),
                Optional.of("/srv/ping.php"))));
    }

    @Test
    void zeroTurnsActiveChecksAndEjectionOff() throws Exception {
        Failover f = load("""
                  app:
                    addresses: [198.18.0.2:9000, 198.18.0.3:9000]
                    max_fails: 0
                    health_check: {interval: 0}
                """).externalServers().get(0).failover();
        assertThat(f.maxFails()).isZero();
        assertThat(f.healthCheck().enabled()).isFalse();
        assertThat(f.healthCheck()).isEqualTo(HealthCheck.off());
    }

    @Test
    void everyBadValueIsReportedInOnePass() {
        assertThat(errors("""
                  app:
                    addresses: [198.18.0.2:9000, 198.18.0.2:9000]
                    max_tries: 0
                    max_fails: -1
                    fail_timeout: 0s
                    health_check:
                      interval: soon
                      timeout: 0
                      rise: 0
                      fall: many
                      request: ping
                      script_filename: relative.php
                      expect: 200
                """)).containsExactly(
                "fastcgi_servers.app.addresses[1] (\"198.18.0.2:9000\") is listed twice",
                "fastcgi_servers.app.max_tries (0) must be at least 1 (the first try counts)",
                "fastcgi_servers.app.max_fails (-1) must not be negative (0: never ejected by failed requests)",
                "fastcgi_servers.app.fail_timeout (\"0s\") must be positive",
                "fastcgi_servers.app.health_check.expect unknown key (known: "
                        + String.join(", ", FastCgiServerSection.HEALTH_CHECK_KEYS) + ")",
                "fastcgi_servers.app.health_check.interval (\"soon\") is not a duration like 500ms, 30s, 5m, 1h",
                "fastcgi_servers.app.health_check.timeout (0) must be positive",
                "fastcgi_servers.app.health_check.rise (0) must be at least 1",
                "fastcgi_servers.app.health_check.fall (\"many\") must be a whole number",
                "fastcgi_servers.app.health_check.request (\"ping\") must start with '/'",
                "fastcgi_servers.app.health_check.script_filename (\"relative.php\") must be an absolute path"
                        + " without control characters");
    }

    @Test
    void scriptFilenameNeedsARequestAndHealthCheckAMapping() {
        assertThat(errors("""
                  app:
                    addresses: [198.18.0.2:9000]
                    health_check: {script_filename: /srv/ping.php}
                  other:
                    addresses: [198.18.0.3:9000]
                    health_check: on
                """)).containsExactly(
                "fastcgi_servers.app.health_check.script_filename (\"/srv/ping.php\") needs health_check.request"
                        + " (GET_VALUES has no script)",
                "fastcgi_servers.other.health_check (true) must be a mapping of "
                        + String.join(", ", FastCgiServerSection.HEALTH_CHECK_KEYS));
    }

    @Test
    void theModelRefusesWhatTheFileWould() {
        List<FastCgiAddress> twice = List.of(FastCgiAddress.parse("198.18.0.2:9000"),
                FastCgiAddress.parse("198.18.0.2:9000"));
        assertThatThrownBy(() -> UpstreamConfig.External.withDefaults("app", twice))
                .hasMessageContaining("lists an address twice");
        assertThatThrownBy(() -> Failover.defaults().withMaxTries(0)).hasMessageContaining("max_tries (0)");
        assertThatThrownBy(() -> HealthCheck.defaults().withRequest("/a b"))
                .hasMessageContaining("spaces or control characters");
        assertThatThrownBy(() -> HealthCheck.defaults().withRiseFall(1, 0)).hasMessageContaining("fall (0)");
    }
}
