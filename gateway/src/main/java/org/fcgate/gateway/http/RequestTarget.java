package org.fcgate.gateway.http;

import java.util.Optional;

/**
 * A request target (RFC 9112 §3.2) split into the raw, still percent-encoded path and query.
 *
 * @param rawPath   origin-form path (starts with '/'), or "*" for asterisk-form
 * @param query     the raw query without '?', empty when there is none
 * @param authority the authority of an absolute-form target, which then chooses the host (RFC 9112 §3.2.2)
 */
public record RequestTarget(String rawPath, String query, Optional<String> authority) {

    public boolean isAsterisk() {
        return rawPath.equals("*");
    }
}
