package org.fcgate.gateway.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Read timeouts of a client connection. All must be positive.
 *
 * @param header    whole request head, counted from its first byte (from accept for a connection's first request)
 * @param body      silence between two reads of a request body
 * @param keepAlive an idle keep-alive connection waiting for its next request
 */
public record Timeouts(Duration header, Duration body, Duration keepAlive) {

    public Timeouts {
        requirePositive("header", header);
        requirePositive("body", body);
        requirePositive("keepAlive", keepAlive);
    }

    public static Timeouts defaults() {
        return new Timeouts(GatewayDefaults.HEADER_TIMEOUT, GatewayDefaults.BODY_TIMEOUT,
                GatewayDefaults.KEEPALIVE_TIMEOUT);
    }

    private static void requirePositive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        // Duration.isPositive() is Java 18+; we compile with --release 17.
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("timeout " + name + " (" + d + ") must be positive");
        }
    }
}
