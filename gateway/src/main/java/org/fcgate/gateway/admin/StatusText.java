package org.fcgate.gateway.admin;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The field tables every format walks, in php-fpm 8.2's order, and the two line formats: plain text (php-fpm's
 * default, {@code "%-22s%s"}) and OpenMetrics ({@code ?openmetrics}, php-fpm's fixed metric set).
 */
final class StatusText {

    /** php-fpm's text and HTML time format, in the local zone. */
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH)
            .withZone(ZoneId.systemDefault());

    private StatusText() {
    }

    /** Pool fields by php-fpm name; a value is a String, a Long or an Instant. */
    static Map<String, Object> poolFields(PoolStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pool", s.pool());
        m.put("process manager", s.processManager());
        m.put("start time", s.startTime());
        m.put("start since", s.startSince());
        m.put("accepted conn", s.acceptedConn());
        m.put("listen queue", s.listenQueue());
        m.put("max listen queue", s.maxListenQueue());
        m.put("listen queue len", s.listenQueueLen());
        m.put("idle processes", s.idleProcesses());
        m.put("active processes", s.activeProcesses());
        m.put("total processes", s.totalProcesses());
        m.put("max active processes", s.maxActiveProcesses());
        m.put("max children reached", s.maxChildrenReached());
        m.put("slow requests", s.slowRequests());
        s.writtenAhead().ifPresent(n -> m.put("written ahead", n)); // fcgate's own, write_ahead on only
        return m;
    }

    /** Process fields by php-fpm's JSON/HTML/XML name (lower-case "request uri"; the text format says "request URI"). */
    static Map<String, Object> processFields(PoolStatus.Process p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", p.pid());
        m.put("state", p.state());
        m.put("start time", p.startTime());
        m.put("start since", p.startSince());
        m.put("requests", p.requests());
        m.put("request duration", p.requestDurationMicros());
        m.put("request method", p.requestMethod());
        m.put("request uri", Printable.of(p.requestUri()));
        m.put("content length", p.contentLength());
        m.put("user", p.user());
        m.put("script", Printable.of(p.script()));
        m.put("last request cpu", new Decimal(p.lastRequestCpu()));
        m.put("last request memory", p.lastRequestMemory());
        return m;
    }

    /** A number php-fpm prints with a fixed number of decimals ("0.00"). */
    record Decimal(String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    static String text(PoolStatus s, boolean full) {
        StringBuilder out = new StringBuilder(1024);
        poolFields(s).forEach((k, v) -> line(out, k, v));
        if (full) {
            for (PoolStatus.Process p : s.processes()) {
                out.append("\n************************\n");
                processFields(p).forEach((k, v) -> line(out, k.equals("request uri") ? "request URI" : k, v));
            }
        }
        return out.toString();
    }

    private static void line(StringBuilder out, String key, Object value) {
        String label = key + ":";
        out.append(label);
        out.append(" ".repeat(Math.max(1, 22 - label.length())));
        out.append(value instanceof Instant i ? TIME.format(i) : value.toString()).append('\n');
    }

    /** php-fpm's {@code ?openmetrics} set, same names, help texts and types (per-process rows are never shown). */
    static String openMetrics(PoolStatus s) {
        StringBuilder out = new StringBuilder(2048);
        // The pool name is [A-Za-z0-9_.-] (PoolConfig), so it needs no escaping in a HELP line.
        metric(out, "phpfpm_up", "Could pool " + s.pool() + " using a " + s.processManager()
                + " PM on PHP-FPM be reached?", "gauge", 1, false);
        metric(out, "phpfpm_start_since", "The number of seconds since FPM has started.", "counter",
                s.startSince(), false);
        metric(out, "phpfpm_accepted_connections", "The number of requests accepted by the pool.", "counter",
                s.acceptedConn(), false);
        metric(out, "phpfpm_listen_queue", "The number of requests in the queue of pending connections.", "gauge",
                s.listenQueue(), false);
        metric(out, "phpfpm_max_listen_queue", "The maximum number of requests in the queue of pending connections "
                + "since FPM has started.", "counter", s.maxListenQueue(), false);
        metric(out, "phpfpm_listen_queue_length", "The size of the socket queue of pending connections.", "gauge",
                s.listenQueueLen(), true);
        metric(out, "phpfpm_idle_processes", "The number of idle processes.", "gauge", s.idleProcesses(), false);
        metric(out, "phpfpm_active_processes", "The number of active processes.", "gauge", s.activeProcesses(),
                false);
        metric(out, "phpfpm_total_processes", "The number of idle + active processes.", "gauge",
                s.totalProcesses(), false);
        metric(out, "phpfpm_max_active_processes", "The maximum number of active processes since FPM has started.",
                "counter", s.maxActiveProcesses(), false);
        metric(out, "phpfpm_max_children_reached", "The number of times, the process limit has been reached, when "
                + "pm tries to start more children (works only for pm 'dynamic' and 'ondemand').", "counter",
                s.maxChildrenReached(), false);
        metric(out, "phpfpm_slow_requests", "The number of requests that exceeded your 'request_slowlog_timeout' "
                + "value.", "counter", s.slowRequests(), false);
        out.append("# EOF\n");
        return out.toString();
    }

    /** {@code typeFirst}: php-fpm 8.2 writes TYPE before HELP for phpfpm_listen_queue_length; kept byte-compatible. */
    private static void metric(StringBuilder out, String name, String help, String type, long value,
                               boolean typeFirst) {
        String helpLine = "# HELP " + name + " " + help + "\n";
        String typeLine = "# TYPE " + name + " " + type + "\n";
        out.append(typeFirst ? typeLine + helpLine : helpLine + typeLine);
        out.append(name).append(' ').append(value).append('\n');
    }

    static List<String> poolFieldNames() {
        return List.copyOf(poolFields(new PoolStatus("", "", Instant.EPOCH, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                OptionalLong.empty(), List.of())).keySet());
    }
}
