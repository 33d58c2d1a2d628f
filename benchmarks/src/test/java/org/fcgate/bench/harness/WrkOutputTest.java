package org.fcgate.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** wrk 4.1 output captured on this machine (bench/run, and a 404 run against nginx), read back. */
class WrkOutputTest {

    @Test
    void readsTheSummaryAndTheLatencyDistribution() throws IOException {
        LoadResult r = WrkOutput.parse(sample("hello.txt"));

        assertThat(r.requests()).isEqualTo(3384);
        assertThat(r.errors()).isZero();
        assertThat(r.seconds()).isEqualTo(2.0, within(1e-9));
        assertThat(r.requestsPerSecond()).isEqualTo(1687.79, within(1e-9));
        assertThat(r.p50Micros()).isEqualTo(17_070, within(1e-6)); // "50%   17.07ms"
        assertThat(r.p90Micros()).isEqualTo(36_030, within(1e-6));
        assertThat(r.p99Micros()).isEqualTo(60_290, within(1e-6));
        assertThat(r.maxMicros()).isEqualTo(68_660, within(1e-6)); // Thread Stats "Latency 19.72ms 11.84ms 68.66ms"
    }

    @Test
    void microsecondAndSecondUnits() throws IOException {
        LoadResult r = WrkOutput.parse(sample("non-2xx.txt"));

        assertThat(r.p50Micros()).isEqualTo(277, within(1e-9)); // "50%  277.00us"
        assertThat(r.seconds()).isEqualTo(1.06, within(1e-9)); // "in 1.06s"

        LoadResult slow = WrkOutput.parse(sample("socket-errors.txt"));
        assertThat(slow.maxMicros()).isEqualTo(1_050_000, within(1e-6)); // "1.05s"
    }

    @Test
    void socketErrorsAndNon2xxAnswersAreErrors() throws IOException {
        assertThat(WrkOutput.parse(sample("socket-errors.txt")).errors()).isEqualTo(110); // read 110
        LoadResult notFound = WrkOutput.parse(sample("non-2xx.txt"));
        assertThat(notFound.errors()).isEqualTo(16_942);
        assertThat(notFound.requests()).isEqualTo(16_942);
    }

    @Test
    void bigTransfersAndRatesInThousands() throws IOException {
        LoadResult r = WrkOutput.parse(sample("static-100k.txt"));

        assertThat(r.requests()).isEqualTo(6385);
        assertThat(r.requestsPerSecond()).isEqualTo(3040.20, within(1e-9));
        assertThat(r.p99Micros()).isEqualTo(53_060, within(1e-6));
    }

    @Test
    void minutesAndHours() {
        assertThat(WrkOutput.micros("1.50", "m")).isEqualTo(90e6, within(1e-3));
        assertThat(WrkOutput.micros("1.00", "h")).isEqualTo(3600e6, within(1e-3));
    }

    @Test
    void outputWithoutLatencyDistributionIsRefusedWithWhatIsMissing() throws IOException {
        String withoutLatency = sample("hello.txt").replaceAll("(?m)^\\s+(50|75|90|99)%.*\\n", "");

        assertThatThrownBy(() -> WrkOutput.parse(withoutLatency))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("50%")
                .hasMessageContaining("--latency");
        assertThatThrownBy(() -> WrkOutput.parse("unable to connect to 127.0.0.1:8080 Connection refused\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("requests in");
    }

    @Test
    void aLoadResultSurvivesItsOwnFileFormat() throws IOException {
        LoadResult r = WrkOutput.parse(sample("socket-errors.txt"));

        assertThat(LoadResult.parse(r.format())).isEqualTo(r);
        assertThatThrownBy(() -> LoadResult.parse("requests=1\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'errors'");
    }

    private static String sample(String name) throws IOException {
        try (InputStream in = WrkOutputTest.class.getResourceAsStream("/wrk/" + name)) {
            assertThat(in).as("test resource /wrk/" + name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
