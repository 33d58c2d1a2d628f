package org.fcgate.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.channel.ChannelPipeline;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.fcgate.gateway.accesslog.CompletedExchange;
import org.fcgate.gateway.accesslog.ExchangeListener;
import org.fcgate.gateway.accesslog.ExchangeRecorder;
import org.fcgate.gateway.accesslog.SlowRequestLog;

/**
 * HTTP meters of the public listener, fed by two handlers each client pipeline gets through {@link #pipelineHook()}:
 * {@link ConnectionMeter} (first in the pipeline: raw bytes in and out, open connections) and the connection's
 * {@link ExchangeRecorder} (between the response encoder and the chunked writer: one observation per response,
 * labelled by route, method and status class), which it shares with the access log as one of its listeners.
 *
 * <pre>
 *   fcgate_http_server_requests_seconds{route,method,status}  histogram (SLO buckets) + _count + _sum
 *   fcgate_http_responses_total{route,code}                   counter, exact status code
 *   fcgate_http_received_bytes_total, fcgate_http_sent_bytes_total
 *   fcgate_http_connections_open, fcgate_http_connections_total
 * </pre>
 */
public final class HttpMetrics implements ExchangeListener {

    private final MeterRegistry registry;
    private final AtomicInteger open = new AtomicInteger();
    private final Counter received;
    private final Counter sent;
    private final Counter accepted;
    /**
     * The meters of each (route, method, code) seen, registered once: building a Timer's id (tags sorted, SLO
     * buckets, a registry lookup) on every response cost more than the rest of recording it. Bounded as the labels
     * are: routes of the configuration, a fixed set of methods ({@link Labels#method}), codes 100–599 or other.
     */
    private final ConcurrentHashMap<ResponseKey, ResponseMeters> responseMeters = new ConcurrentHashMap<>();

    private record ResponseKey(String route, String method, int code) {
    }

    private record ResponseMeters(Timer requests, Counter responses) {
    }

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
        return pipelineHook(List.of(), null);
    }

    /**
     * As {@link #pipelineHook()}, the connection's one {@link ExchangeRecorder} also telling {@code others} (the
     * access log) and arming {@code slowLog}'s timer (may be null).
     */
    public Consumer<ChannelPipeline> pipelineHook(List<ExchangeListener> others, SlowRequestLog slowLog) {
        List<ExchangeListener> listeners = new ArrayList<>();
        listeners.add(this);
        listeners.addAll(others);
        Consumer<ChannelPipeline> exchanges = ExchangeRecorder.hook(listeners, slowLog);
        ConnectionMeter bytes = new ConnectionMeter(this);
        return p -> {
            p.addFirst("bytes", bytes);
            exchanges.accept(p);
        };
    }

    /** A response went out (or was cut after its head); a client gone before any response is not counted. */
    @Override
    public void completed(CompletedExchange e) {
        if (e.status() != 0) {
            response(e.route(), Labels.method(e.method()), e.status(), e.totalNanos());
        }
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
        int known = code >= 100 && code <= 599 ? code : 0; // one key for every "other" code
        ResponseMeters m = responseMeters.get(new ResponseKey(route, method, known));
        if (m == null) {
            m = responseMeters.computeIfAbsent(new ResponseKey(route, method, known), k -> register(k.route(),
                    k.method(), code));
        }
        m.requests().record(nanos, TimeUnit.NANOSECONDS);
        m.responses().increment();
    }

    private ResponseMeters register(String route, String method, int code) {
        Timer requests = Timer.builder("fcgate.http.server.requests")
                .description("HTTP requests: from the request head to the last response byte handed to the socket")
                .tags("route", route, "method", method, "status", Labels.statusClass(code))
                .serviceLevelObjectives(Labels.SLO_BUCKETS)
                .register(registry);
        Counter responses = Counter.builder("fcgate.http.responses").description("HTTP responses by exact status code")
                .tags("route", route, "code", Labels.code(code)).register(registry);
        return new ResponseMeters(requests, responses);
    }
}
