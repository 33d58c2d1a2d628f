package org.fcgate.gateway.accesslog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The two line formats, each one line without its newline.
 *
 * <p>{@code combined}: nginx's {@code combined}, then the upstream fields in nginx's {@code key=value} style:
 * <pre>
 * 192.0.2.7 - - [10/Oct/2025:13:55:36 +0200] "GET /index.php?id=3 HTTP/1.1" 200 512 "-" "curl/8.5.0" upstream=php pid=4242 queue=0.000 upstream_time=0.012 rt=0.013
 * </pre>
 * Quoted fields are escaped with {@link LogEscape}; absent values are {@code -}. {@code $remote_user} is always
 * {@code -}: the gateway never decodes {@code Authorization}.
 *
 * <p>{@code json}: one object per line, written by Jackson (control characters become {@code \}{@code u00NN}).
 */
public enum AccessLogFormat {
    COMBINED,
    JSON;

    private static final DateTimeFormatter TIME_LOCAL = DateTimeFormatter
            .ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** {@code combined} or {@code json}, case-insensitively. */
    public static AccessLogFormat parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "combined" -> COMBINED;
            case "json" -> JSON;
            default -> throw new IllegalArgumentException("must be combined or json");
        };
    }

    public String line(CompletedExchange e, ZoneId zone) {
        return this == COMBINED ? combined(e, zone) : json(e, zone);
    }

    private static String combined(CompletedExchange e, ZoneId zone) {
        StringBuilder b = new StringBuilder(256);
        b.append(LogEscape.field(e.remoteAddr())).append(" - - [")
                .append(TIME_LOCAL.format(e.time().atZone(zone))).append("] \"")
                .append(LogEscape.field(e.requestLine())).append("\" ")
                .append(e.loggedStatus()).append(' ').append(e.bodyBytesSent()).append(" \"")
                .append(LogEscape.field(e.referer().orElse(""))).append("\" \"")
                .append(LogEscape.field(e.userAgent().orElse(""))).append('"')
                .append(" upstream=").append(LogEscape.field(e.upstream().orElse("")))
                .append(" pid=").append(e.pid() == 0 ? "-" : Long.toString(e.pid()))
                .append(" queue=").append(seconds(e.queueNanos()))
                .append(" upstream_time=").append(seconds(e.upstreamNanos()))
                .append(" rt=").append(seconds(e.totalNanos()));
        return b.toString();
    }

    private static String json(CompletedExchange e, ZoneId zone) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("time", e.time().atZone(zone).toOffsetDateTime().toString());
        o.put("remote_addr", e.remoteAddr());
        o.putNull("remote_user");
        putOrNull(o, "request", e.requestLine());
        putOrNull(o, "method", e.method());
        putOrNull(o, "uri", e.target());
        putOrNull(o, "protocol", e.protocol());
        o.put("status", e.loggedStatus());
        o.put("body_bytes_sent", e.bodyBytesSent());
        putOrNull(o, "http_referer", e.referer().orElse(""));
        putOrNull(o, "http_user_agent", e.userAgent().orElse(""));
        putOrNull(o, "upstream", e.upstream().orElse(""));
        if (e.pid() == 0) {
            o.putNull("pid");
        } else {
            o.put("pid", e.pid());
        }
        putSeconds(o, "queue", e.queueNanos());
        putSeconds(o, "upstream_time", e.upstreamNanos());
        putSeconds(o, "rt", e.totalNanos());
        try {
            return MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot write a JSON tree", ex); // a tree of strings and numbers
        }
    }

    private static void putOrNull(ObjectNode o, String key, String value) {
        if (value.isEmpty()) {
            o.putNull(key);
        } else {
            o.put(key, value);
        }
    }

    private static void putSeconds(ObjectNode o, String key, long nanos) {
        if (nanos < 0) {
            o.putNull(key);
        } else {
            o.put(key, new java.math.BigDecimal(nanos).movePointLeft(9).setScale(3, java.math.RoundingMode.HALF_UP));
        }
    }

    /** Seconds with millisecond resolution, as nginx's {@code $request_time}; {@code -} when absent. */
    static String seconds(long nanos) {
        return nanos < 0 ? "-" : SlowRequestLog.seconds(nanos);
    }
}
