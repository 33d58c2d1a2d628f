package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fcgate.gateway.config.ShutdownOptions;
import org.fcgate.pool.config.PoolConfig;
import org.junit.jupiter.api.Test;

/**
 * deploy/fcgate.service agrees with the code: notify type, mixed kill mode, a stop timeout above the drain, reload by
 * SIGHUP.
 */
class SystemdUnitTest {

    private static final Path UNIT = Path.of("..", "deploy", "fcgate.service");

    @Test
    void stopTimeoutCoversTheDefaultDrainAndTheKillGrace() throws Exception {
        Map<String, String> service = section("Service");
        Duration killGrace = PoolConfig.builder("x", List.of("/bin/true")).build().killGrace();
        Duration drain = ShutdownOptions.DEFAULT_DELAY.plus(ShutdownOptions.DEFAULT_TIMEOUT).plus(killGrace);
        assertThat(seconds(service.get("TimeoutStopSec"))).isGreaterThan(drain);
    }

    @Test
    void notifiesAndLetsTheJvmStopItsChildren() throws Exception {
        Map<String, String> service = section("Service");
        assertThat(service).containsEntry("Type", "notify").containsEntry("KillMode", "mixed")
                .containsEntry("Restart", "on-failure").containsEntry("NoNewPrivileges", "yes")
                .containsKey("LimitNOFILE")
                .doesNotContainKey("MemoryDenyWriteExecute");
        assertThat(service.get("ExecStart")).isEqualTo(
                "/usr/bin/java $FCGATE_JAVA_OPTS -jar /opt/fcgate/fcgate.jar run --config /etc/fcgate/fcgate.yaml");
        assertThat(service.get("Environment")).startsWith("\"FCGATE_JAVA_OPTS=");
    }

    @Test
    void reloadIsSighupWhichTheGatewayHandles() throws Exception {
        assertThat(section("Service")).containsEntry("ExecReload", "/bin/kill -HUP $MAINPID");
        assertThat(Files.readString(UNIT)).as("the documented alternatives")
                .contains("#   ExecReload=/usr/bin/java -jar /opt/fcgate/fcgate.jar reload --config "
                        + "/etc/fcgate/fcgate.yaml", "Type=notify-reload");
    }

    /** The {@code KEY=VALUE} lines of one {@code [section]} (comments and blank lines skipped; last value wins). */
    private static Map<String, String> section(String name) throws Exception {
        Map<String, String> keys = new LinkedHashMap<>();
        String current = "";
        for (String line : Files.readAllLines(UNIT)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith(";")) {
                continue;
            }
            if (l.startsWith("[") && l.endsWith("]")) {
                current = l.substring(1, l.length() - 1);
            } else if (current.equals(name)) {
                int eq = l.indexOf('=');
                keys.put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
            }
        }
        return keys;
    }

    /** systemd time spans as used here: {@code 45s}, {@code 2min}, {@code 90}. */
    private static Duration seconds(String span) {
        if (span.endsWith("min")) {
            return Duration.ofMinutes(Long.parseLong(span.substring(0, span.length() - 3)));
        }
        return Duration.ofSeconds(Long.parseLong(span.endsWith("s") ? span.substring(0, span.length() - 1) : span));
    }
}
