package org.fcgate.gateway.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How SIGTERM (or SIGINT) stops the gateway (R75): readiness fails at once; after {@code delay} the listener closes
 * and idle connections with it; requests in flight get {@code timeout} to finish; then the pools stop. A second
 * signal, or the end of {@code timeout}, aborts what is left.
 *
 * @param delay   between the signal and closing the listener, while load balancers notice the failed readiness
 *                (Kubernetes: about 5 s); 0: close at once
 * @param timeout for requests in flight, counted from the listener's close
 */
public record ShutdownOptions(Duration delay, Duration timeout) {

    public static final Duration DEFAULT_DELAY = Duration.ZERO;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    public ShutdownOptions {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(timeout, "timeout");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("shutdown delay (" + delay + ") cannot be negative");
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("shutdown timeout (" + timeout + ") cannot be negative");
        }
    }

    public static ShutdownOptions defaults() {
        return new ShutdownOptions(DEFAULT_DELAY, DEFAULT_TIMEOUT);
    }
}
