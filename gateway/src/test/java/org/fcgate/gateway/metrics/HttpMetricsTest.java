package org.fcgate.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Per-response meters: registered once per label set, then only recorded; labels as before the cache. */
class HttpMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final HttpMetrics metrics = new HttpMetrics(registry);

    @Test
    void repeatedResponsesRecordIntoTheSameMeters() {
        metrics.response("php", "GET", 200, TimeUnit.MILLISECONDS.toNanos(2));
        metrics.response("php", "GET", 200, TimeUnit.MILLISECONDS.toNanos(4));
        var timer = registry.get("fcgate.http.server.requests").tags("route", "php", "method", "GET", "status", "2xx")
                .timer();
        assertThat(timer.count()).isEqualTo(2);
        assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(6.0);
        assertThat(registry.get("fcgate.http.responses").tags("route", "php", "code", "200").counter().count())
                .isEqualTo(2.0);
    }

    @Test
    void codesOfOneClassShareTheTimerAndEachCodeHasItsCounter() {
        metrics.response("php", "GET", 200, 1);
        metrics.response("php", "GET", 204, 1);
        metrics.response("php", "POST", 503, 1);
        assertThat(registry.get("fcgate.http.server.requests").tags("method", "GET", "status", "2xx").timer().count())
                .isEqualTo(2);
        assertThat(registry.get("fcgate.http.server.requests").tags("method", "POST", "status", "5xx").timer()
                .count()).isEqualTo(1);
        assertThat(registry.get("fcgate.http.responses").tags("code", "204").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("fcgate.http.responses").tags("code", "503").counter().count()).isEqualTo(1.0);
    }

    @Test
    void codesOutsideTheRangeAreOneOtherSeries() {
        metrics.response("static", "GET", 600, 1);
        metrics.response("static", "GET", 999, 1);
        assertThat(registry.get("fcgate.http.server.requests").tags("status", "other").timer().count())
                .isEqualTo(2);
        assertThat(registry.get("fcgate.http.responses").tags("code", "other").counter().count()).isEqualTo(2.0);
    }
}
