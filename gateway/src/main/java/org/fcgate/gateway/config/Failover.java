package org.fcgate.gateway.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How a group of external FastCGI servers ({@code fastcgi_servers.NAME}) copes with one that fails (nginx's words in
 * brackets). Applies to groups of two or more addresses; a group of one is never taken out of service, as in nginx.
 *
 * @param maxTries    tries per request, the first included, each on another server; a request is tried again only
 *                    when nothing of it was sent (connect failed), or when it is idempotent and no byte of the answer
 *                    arrived ({@code fastcgi_next_upstream_tries})
 * @param maxFails    consecutive failed requests (connect refused or timed out, connection lost or silent before any
 *                    response byte) that eject a server; zero: never ejected by failed requests ({@code max_fails})
 * @param failTimeout an ejected server gets no requests for at least this long; it comes back when the active checks
 *                    pass (or, with them off, when this has passed) ({@code fail_timeout})
 * @param healthCheck the active checks
 */
public record Failover(int maxTries, int maxFails, Duration failTimeout, HealthCheck healthCheck) {

    public Failover {
        Objects.requireNonNull(healthCheck, "healthCheck");
        if (maxTries < 1) {
            throw new IllegalArgumentException("max_tries (" + maxTries + ") must be at least 1");
        }
        if (maxFails < 0) {
            throw new IllegalArgumentException("max_fails (" + maxFails + ") must not be negative");
        }
        if (failTimeout.isZero() || failTimeout.isNegative()) {
            throw new IllegalArgumentException("fail_timeout (" + failTimeout + ") must be positive");
        }
    }

    public static Failover defaults() {
        return new Failover(GatewayDefaults.FASTCGI_MAX_TRIES, GatewayDefaults.FASTCGI_MAX_FAILS,
                GatewayDefaults.FASTCGI_FAIL_TIMEOUT, HealthCheck.defaults());
    }

    public Failover withMaxTries(int n) {
        return new Failover(n, maxFails, failTimeout, healthCheck);
    }

    public Failover withEjection(int fails, Duration timeout) {
        return new Failover(maxTries, fails, timeout, healthCheck);
    }

    public Failover withHealthCheck(HealthCheck h) {
        return new Failover(maxTries, maxFails, failTimeout, h);
    }
}
