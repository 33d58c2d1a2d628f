package org.fcgate.gateway.fastcgi;

import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.fcgate.fcgi.client.ResponseHead;

/**
 * Turns the CGI response head a backend wrote (RFC 3875 §6) into what the client gets. {@code ResponseHeadParser} has
 * already refused malformed lines, control bytes, a Status that is not 200..999 (so a 1xx final answer, R44) and two
 * Status lines. Here:
 * <ul>
 *   <li>no Status + {@code Location: /local/path} → a local redirect, re-routed by the gateway (§6.2.2);</li>
 *   <li>no Status + {@code Location: scheme:…} → 302 (§6.2.3, "client redirect response");</li>
 *   <li>Content-Length: two of them, or not 1..18 digits → invalid (502, R46); otherwise it bounds the body;</li>
 *   <li>hop-by-hop fields are ours, never the backend's: Connection, Keep-Alive, Transfer-Encoding, TE, Trailer,
 *       Upgrade, Proxy-* (RFC 9110 §7.6.1);</li>
 *   <li>204 and 304 carry no body and no Content-Length (R44);</li>
 *   <li>no Content-Type → {@code text/html} (nginx's default_type);</li>
 *   <li>{@code X-Accel-Buffering: no} turns response buffering off and is not forwarded.</li>
 * </ul>
 */
final class CgiResponse {

    static final String DEFAULT_CONTENT_TYPE = "text/html";

    /** What to do with the head. */
    sealed interface Plan {
        /**
         * @param contentLength the backend's declared length (exactly this many bytes go out), or -1
         * @param noBody        204/304/HEAD: body bytes from the backend are drained and dropped
         * @param buffering     false when the backend asked for unbuffered output
         */
        record Respond(HttpResponse head, long contentLength, boolean noBody, boolean buffering) implements Plan { }

        /** Re-route {@code location} (a local path with an optional query) through the router as a GET. */
        record LocalRedirect(String location) implements Plan { }

        /** The head cannot be forwarded: 502 with this cause in the log. */
        record Invalid(String cause) implements Plan { }
    }

    private CgiResponse() {
    }

    static Plan plan(ResponseHead cgi, boolean headRequest) {
        String location = cgi.header("Location");
        if (!cgi.hasStatus() && location != null && location.startsWith("/") && !location.startsWith("//")) {
            return new Plan.LocalRedirect(location);
        }
        int code = cgi.status();
        if (!cgi.hasStatus() && location != null) {
            code = 302;
        }
        HttpResponseStatus status = cgi.reason().isEmpty() ? HttpResponseStatus.valueOf(code)
                : new HttpResponseStatus(code, cgi.reason());
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        long contentLength = -1;
        boolean buffering = true;
        boolean hasContentType = false;
        for (ResponseHead.Header h : cgi.headers()) {
            String name = h.name();
            if (isHopByHop(name)) {
                continue;
            }
            if (name.equalsIgnoreCase("Content-Length")) {
                if (contentLength >= 0) {
                    return new Plan.Invalid("backend sent duplicate Content-Length");
                }
                contentLength = parseLength(h.value());
                if (contentLength < 0) {
                    return new Plan.Invalid("backend sent invalid Content-Length");
                }
            } else if (name.equalsIgnoreCase("X-Accel-Buffering")) {
                buffering = !h.value().equalsIgnoreCase("no");
                continue;
            } else if (name.equalsIgnoreCase("Content-Type")) {
                hasContentType = true;
            }
            try {
                head.headers().add(name, h.value());
            } catch (IllegalArgumentException e) {
                return new Plan.Invalid("backend sent an invalid header field");
            }
        }
        boolean bodiless = code == 204 || code == 304;
        if (bodiless) {
            head.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
            contentLength = -1;
        } else if (!hasContentType) {
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, DEFAULT_CONTENT_TYPE);
        }
        boolean noBody = bodiless || headRequest;
        return new Plan.Respond(head, noBody ? -1 : contentLength, noBody, buffering);
    }

    private static boolean isHopByHop(String name) {
        return name.equalsIgnoreCase("Connection") || name.equalsIgnoreCase("Keep-Alive")
                || name.equalsIgnoreCase("Transfer-Encoding") || name.equalsIgnoreCase("TE")
                || name.equalsIgnoreCase("Trailer") || name.equalsIgnoreCase("Upgrade")
                || name.regionMatches(true, 0, "Proxy-", 0, 6);
    }

    /** 1..18 digits (no sign, no spaces, no list), else -1. */
    static long parseLength(String v) {
        if (v.isEmpty() || v.length() > 18) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }
}
