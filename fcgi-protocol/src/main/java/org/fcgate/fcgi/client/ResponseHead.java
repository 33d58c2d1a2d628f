package org.fcgate.fcgi.client;

import java.util.List;

/**
 * The CGI response head an application wrote at the start of STDOUT (RFC 3875 §6.2, §6.3).
 *
 * @param status  the {@code Status:} code, or 200 when the head has none (RFC 3875 §6.3.3: "200 'OK' is assumed")
 * @param reason  the reason phrase of {@code Status:}, or empty
 * @param hasStatus whether the head carried a {@code Status:} line (the gateway needs it for local redirects)
 * @param headers the other header fields in order; names as written, values trimmed
 */
public record ResponseHead(int status, String reason, boolean hasStatus, List<Header> headers) {

    /** One header field. */
    public record Header(String name, String value) {
    }

    /** The first value of a header, by case-insensitive name, or {@code null}. */
    public String header(String name) {
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }
}
