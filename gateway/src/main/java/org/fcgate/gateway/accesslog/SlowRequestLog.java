package org.fcgate.gateway.accesslog;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.fcgate.gateway.http.RequestHead;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * php-fpm's {@code request_slowlog_timeout}, seen from the gateway: a request that is still with its upstream when
 * {@code slow_request_timeout} has passed since its head arrived is logged once at WARN, while it runs, with the
 * upstream, the child's pid, the method, the path without its query (it may carry tokens) and the time so far; and
 * counted per upstream for the status page's "slow requests". Requests never forwarded (static files, refusals)
 * or still sending their body to the gateway are not logged: a slow client is not a slow script.
 *
 * <p>{@link ExchangeRecorder} arms one timer per request on the connection's event loop and cancels it when the
 * request completes, so {@link #stillRunning} runs at most once per request.
 */
public final class SlowRequestLog {

    private static final Logger LOG = LoggerFactory.getLogger(SlowRequestLog.class);

    private final Duration threshold;
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    public SlowRequestLog(Duration threshold) {
        if (threshold.isNegative() || threshold.isZero()) {
            throw new IllegalArgumentException("slow_request_timeout must be positive: " + threshold);
        }
        this.threshold = threshold;
    }

    public Duration threshold() {
        return threshold;
    }

    long thresholdNanos() {
        return threshold.toNanos();
    }

    /** Slow requests reported for {@code upstream} since the start. */
    public long count(String upstream) {
        LongAdder n = counts.get(upstream);
        return n == null ? 0 : n.sum();
    }

    void stillRunning(UpstreamTrace trace, RequestHead head, long elapsedNanos) {
        String upstream = trace.upstream();
        if (upstream == null) {
            return;
        }
        counts.computeIfAbsent(upstream, k -> new LongAdder()).increment();
        long pid = trace.pid();
        LOG.warn("slow request upstream={} pid={} method={} uri={} elapsed={}s threshold={}s", upstream,
                pid == 0 ? "-" : Long.toString(pid), LogEscape.field(head.request().method().name()),
                LogEscape.field(head.target().rawPath()), seconds(elapsedNanos), seconds(threshold.toNanos()));
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e9);
    }
}
