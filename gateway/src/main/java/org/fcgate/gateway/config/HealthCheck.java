package org.fcgate.gateway.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Active health checks of external FastCGI servers ({@code fastcgi_servers.NAME.health_check}): every
 * {@code interval}, a fresh connection to each server asks FCGI_GET_VALUES (FastCGI 1.0 §4.1), or runs a ping request
 * when {@code request} is set (php-fpm's {@code ping.path}). HAProxy's {@code inter}, {@code timeout check},
 * {@code rise} and {@code fall}.
 *
 * @param interval       from the end of one check of a server to the start of the next; zero: no active checks (an
 *                       ejected server then comes back when its {@code fail_timeout} has passed, as in nginx)
 * @param timeout        one check, connect and answer together; past it the check failed
 * @param rise           consecutive passed checks that bring a server that is down back
 * @param fall           consecutive failed checks that take a server that is up out
 * @param request        a path (and query) run as a GET RESPONDER request instead of GET_VALUES; the check passes on
 *                       END_REQUEST with a 2xx or 3xx status
 * @param scriptFilename SCRIPT_FILENAME of that request; default: the request's path
 */
public record HealthCheck(Duration interval, Duration timeout, int rise, int fall, Optional<String> request,
                          Optional<String> scriptFilename) {

    public HealthCheck {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(scriptFilename, "scriptFilename");
        if (interval.isNegative()) {
            throw new IllegalArgumentException("health_check.interval (" + interval + ") must not be negative");
        }
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("health_check.timeout (" + timeout + ") must be positive");
        }
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("health_check.rise (" + rise + ") and fall (" + fall
                    + ") must be at least 1");
        }
        request.ifPresent(r -> {
            String why = requestProblem(r);
            if (why != null) {
                throw new IllegalArgumentException("health_check.request '" + r + "' " + why);
            }
        });
        scriptFilename.ifPresent(f -> {
            if (!f.startsWith("/") || hasControl(f)) {
                throw new IllegalArgumentException("health_check.script_filename '" + f
                        + "' must be an absolute path without control characters");
            }
        });
        if (scriptFilename.isPresent() && request.isEmpty()) {
            throw new IllegalArgumentException("health_check.script_filename needs health_check.request");
        }
    }

    public static HealthCheck defaults() {
        return new HealthCheck(GatewayDefaults.HEALTH_CHECK_INTERVAL, GatewayDefaults.HEALTH_CHECK_TIMEOUT,
                GatewayDefaults.HEALTH_CHECK_RISE, GatewayDefaults.HEALTH_CHECK_FALL, Optional.empty(),
                Optional.empty());
    }

    /** No active checks: an ejected server returns after its fail_timeout. */
    public static HealthCheck off() {
        return defaults().withInterval(Duration.ZERO);
    }

    public boolean enabled() {
        return !interval.isZero();
    }

    public HealthCheck withInterval(Duration d) {
        return new HealthCheck(d, timeout, rise, fall, request, scriptFilename);
    }

    public HealthCheck withTimeout(Duration d) {
        return new HealthCheck(interval, d, rise, fall, request, scriptFilename);
    }

    public HealthCheck withRiseFall(int newRise, int newFall) {
        return new HealthCheck(interval, timeout, newRise, newFall, request, scriptFilename);
    }

    public HealthCheck withRequest(String path) {
        return new HealthCheck(interval, timeout, rise, fall, Optional.of(path), scriptFilename);
    }

    /** Null when {@code r} can be a request path, else why not. */
    public static String requestProblem(String r) {
        if (!r.startsWith("/")) {
            return "must start with '/'";
        }
        if (hasControl(r) || r.indexOf(' ') >= 0) {
            return "must not hold spaces or control characters";
        }
        return null;
    }

    private static boolean hasControl(String s) {
        return s.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
    }
}
