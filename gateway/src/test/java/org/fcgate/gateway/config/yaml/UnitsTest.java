package org.fcgate.gateway.config.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UnitsTest {

    @ParameterizedTest
    @CsvSource({"0, 0", "500ms, 500", "30s, 30000", "5m, 300000", "1h, 3600000", "2d, 172800000", "365d, 31536000000"})
    void durations(String text, long millis) {
        assertThat(Units.duration(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "30 | needs a unit: ms, s, m, h or d (e.g. 30s)",
        "30S | is not a duration like 500ms, 30s, 5m, 1h",
        "1m30s | is not a duration like 500ms, 30s, 5m, 1h",
        "-1s | is not a duration like 500ms, 30s, 5m, 1h",
        "1.5s | is not a duration like 500ms, 30s, 5m, 1h",
        "366d | is too long (at most 365d)",
        "9223372036854775807d | is too long (at most 365d)",
        "99999999999999999999999ms | is too long (at most 365d)"})
    void badDurations(String text, String reason) {
        assertThatThrownBy(() -> Units.duration(text)).hasMessage(reason);
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "512, 512", "64k, 65536", "64K, 65536", "10m, 10485760", "1g, 1073741824",
        "8589934591g, 9223372035781033984"})
    void sizes(String text, long bytes) {
        assertThat(Units.size(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "10mb | is not a size like 512, 64k, 10m, 1g",
        "-1 | is not a size like 512, 64k, 10m, 1g",
        "1t | is not a size like 512, 64k, 10m, 1g",
        "8589934592g | is too large (at most 9223372036854775807 bytes)",
        "99999999999999999999 | is too large (at most 9223372036854775807 bytes)"})
    void badSizes(String text, String reason) {
        assertThatThrownBy(() -> Units.size(text)).hasMessage(reason);
    }

    @Test
    void formatUsesTheLargestExactUnit() {
        assertThat(Units.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Units.format(Duration.ofMinutes(2))).isEqualTo("2m");
        assertThat(Units.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Units.format(Duration.ZERO)).isEqualTo("0");
    }
}
