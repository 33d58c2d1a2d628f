package org.fcgate.gateway.accesslog;

import java.time.Instant;
import java.util.Optional;

/**
 * One request as the access log and the metrics see it when its response is over. Strings are as received (never
 * escaped here: each format escapes for itself); absent values are empty optionals or -1.
 *
 * @param time          when the response ended (nginx's {@code $time_local} is the time of logging)
 * @param remoteAddr    the peer's address (not X-Forwarded-For)
 * @param method        request method, empty when the head was refused before it parsed
 * @param target        request target as received, query included; empty when the head never parsed
 * @param protocol      {@code HTTP/1.1} or {@code HTTP/1.0}; empty when the head never parsed
 * @param status        response status; 0 when the client went away before any response (logged as 499, as nginx)
 * @param bodyBytesSent response body bytes handed to the socket (nginx's {@code $body_bytes_sent})
 * @param route         the bounded route tag ({@code static}, {@code fastcgi:NAME}, …), for metrics
 * @param upstream      pool or server group name when forwarded
 * @param pid           the child's pid, 0 when unknown
 * @param queueNanos    waiting for a child or connection, -1 when none was obtained
 * @param upstreamNanos the upstream exchange, -1 when none was opened
 * @param totalNanos    request head → last response byte handed to the socket
 */
public record CompletedExchange(Instant time, String remoteAddr, String method, String target, String protocol,
                                int status, long bodyBytesSent, Optional<String> referer, Optional<String> userAgent,
                                String route, Optional<String> upstream, long pid, long queueNanos,
                                long upstreamNanos, long totalNanos) {

    /** nginx's {@code $request}: {@code "GET /a?b HTTP/1.1"}, or empty when the head never parsed. */
    public String requestLine() {
        return target.isEmpty() ? "" : method + " " + target + " " + protocol;
    }

    /** The status to log: 499 (nginx's "client closed request") when no response was sent. */
    public int loggedStatus() {
        return status == 0 ? 499 : status;
    }
}
