package org.fcgate.gateway.metrics;

import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Label values with a bounded set of values: a client chooses its method and the path, never the label. No label
 * ever holds a URL, a query string or a pid.
 */
final class Labels {

    /** Latency buckets suited to SLOs (5 ms … 30 s), shared by every duration histogram. */
    static final Duration[] SLO_BUCKETS = {
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
    };

    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
            "TRACE", "CONNECT");

    private Labels() {
    }

    /** The method when it is a standard one, else {@code OTHER}. */
    static String method(HttpMethod method) {
        return method(method.name());
    }

    /** As {@link #method(HttpMethod)}; empty (a head that never parsed) is {@code OTHER}. */
    static String method(String name) {
        return METHODS.contains(name) ? name : "OTHER";
    }

    /** {@code 2xx} … {@code 5xx}; {@code 1xx} for informational. */
    static String statusClass(int code) {
        return code >= 100 && code <= 599 ? (code / 100) + "xx" : "other";
    }

    /** The three digits for 100–599 (a finite set), {@code other} beyond. */
    static String code(int code) {
        return code >= 100 && code <= 599 ? Integer.toString(code) : "other";
    }

    /** An enum constant as a label value: {@code MAX_REQUESTS} → {@code max_requests}. */
    static String of(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
