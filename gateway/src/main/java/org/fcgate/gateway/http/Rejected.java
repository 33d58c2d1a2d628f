package org.fcgate.gateway.http;

import org.fcgate.gateway.error.Reason;

/**
 * Emitted by the decoder instead of (or in the middle of) a request it refuses; the decoder is terminal afterwards
 * and the connection must be answered with {@code reason}'s status and closed.
 */
public record Rejected(Reason reason) {
}
