package org.fcgate.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.channel.ChannelPipeline;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * HTTP meters of the public listener, fed by two handlers each client pipeline gets through {@link #pipelineHook()}:
 * {@link ConnectionMeter} (first in the pipeline: raw bytes in and out, open connections) and {@link ExchangeMeter}
 * (between the response encoder and the chunked writer: one observation per response, labelled by route, method and
 * status class).
 *
 * <pre>
 *   fcgate_http_server_requests_seconds{route,method,status}  histogram (SLO buckets) + _count + _sum
 *   fcgate_http_responses_total{route,code}                   counter, exact status code
 *   fcgate_http_received_bytes_total, fcgate_http_sent_bytes_total
 *   fcgate_http_connections_open, fcgate_http_connections_total
 * </pre>
 */
public final class HttpMetrics {

    private final MeterRegistry registry;
    private final AtomicInteger open = new AtomicInteger();
    private final Counter received;
    private final Counter sent;
    private final Counter accepted;

    HttpMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.received = Counter.builder("fcgate.http.received").baseUnit("bytes")
                .description("Bytes read from HTTP clients (request heads and bodies)").register(registry);
        this.sent = Counter.builder("fcgate.http.sent").baseUnit("bytes")
                .description("Bytes written to HTTP clients (sendfile included)").register(registry);
        this.accepted = Counter.builder("fcgate.http.connections")
                .description("HTTP client connections accepted").register(registry);
        Gauge.builder("fcgate.http.connections.open", open, AtomicInteger::get)
                .description("HTTP client connections open now").register(registry);
    }

    /** Adds the two meters to a client pipeline built by {@code HttpServerInitializer}. */
    public Consumer<ChannelPipeline> pipelineHook() {
        return p -> {
            p.addFirst("bytes", new ConnectionMeter(this));
            p.addBefore("chunked", "metrics", new ExchangeMeter(this));
        };
    }

    void connectionOpened() {
        open.incrementAndGet();
        accepted.increment();
    }

    void connectionClosed() {
        open.decrementAndGet();
    }

    void received(long bytes) {
        received.increment(bytes);
    }

    void sent(long bytes) {
        sent.increment(bytes);
    }

    void response(String route, String method, int code, long nanos) {
        Timer.builder("fcgate.http.server.requests")
                .description("HTTP requests: from the request head to the last response byte handed to the socket")
                .tags("route", route, "method", method, "status", Labels.statusClass(code))
                .serviceLevelObjectives(Labels.SLO_BUCKETS)
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
        Counter.builder("fcgate.http.responses").description("HTTP responses by exact status code")
                .tags("route", route, "code", Labels.code(code)).register(registry).increment();
    }
}
