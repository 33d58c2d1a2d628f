package org.fcgate.gateway.config.yaml;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.fcgate.gateway.config.Failover;
import org.fcgate.gateway.config.FastCgiAddress;
import org.fcgate.gateway.config.HealthCheck;
import org.fcgate.gateway.config.GatewayDefaults;
import org.fcgate.gateway.config.UpstreamConfig;

/** {@code fastcgi_servers.NAME}: FastCGI servers run by someone else (php-fpm), in nginx's upstream vocabulary. */
final class FastCgiServerSection {

    static final List<String> KEYS = List.of("addresses", "keep_conn", "max_conns_per_server", "idle_timeout",
            "connect_timeout", "read_timeout", "send_timeout", "max_tries", "max_fails", "fail_timeout",
            "health_check", "write_ahead");

    /** {@code fastcgi_servers.NAME.health_check}. */
    static final List<String> HEALTH_CHECK_KEYS = List.of("interval", "timeout", "rise", "fall", "request",
            "script_filename");

    private FastCgiServerSection() {
    }

    static Optional<UpstreamConfig.External> read(String name, JsonNode node, String path, Problems problems) {
        Optional<Section> section = Section.of(node, path, KEYS, problems);
        if (section.isEmpty()) {
            return Optional.empty();
        }
        Section s = section.get();
        List<FastCgiAddress> addresses = new ArrayList<>();
        boolean badAddress = false;
        if (!s.has("addresses")) {
            s.missing("addresses", "is required: unix:/path or host:port, one or more");
        } else {
            List<String> texts = s.strings("addresses").orElse(List.of());
            if (texts.isEmpty() && !s.failed("addresses")) {
                s.refuse("addresses", "must name at least one server");
            }
            for (int i = 0; i < texts.size(); i++) {
                String at = s.raw("addresses").isArray() ? s.path("addresses") + "[" + i + "]" : s.path("addresses");
                try {
                    FastCgiAddress a = FastCgiAddress.parse(texts.get(i));
                    if (addresses.contains(a)) {
                        problems.add(at, Problems.quote(texts.get(i)), "is listed twice");
                        badAddress = true;
                    } else {
                        addresses.add(a);
                    }
                } catch (IllegalArgumentException e) {
                    problems.add(at, Problems.quote(texts.get(i)), e.getMessage());
                    badAddress = true;
                }
            }
        }
        boolean keepConn = s.flag("keep_conn", GatewayDefaults.FASTCGI_KEEP_CONN);
        int maxConns = s.integer("max_conns_per_server", GatewayDefaults.FASTCGI_MAX_CONNS_PER_SERVER);
        if (maxConns < 1) {
            s.refuse("max_conns_per_server", "must be at least 1");
        }
        Duration idle = positive(s, "idle_timeout", GatewayDefaults.FASTCGI_IDLE_TIMEOUT);
        Duration connect = positive(s, "connect_timeout", GatewayDefaults.FASTCGI_CONNECT_TIMEOUT);
        Duration read = positive(s, "read_timeout", GatewayDefaults.FASTCGI_READ_TIMEOUT);
        Duration send = positive(s, "send_timeout", GatewayDefaults.FASTCGI_SEND_TIMEOUT);
        int maxTries = s.integer("max_tries", GatewayDefaults.FASTCGI_MAX_TRIES);
        if (!s.failed("max_tries") && maxTries < 1) {
            s.refuse("max_tries", "must be at least 1 (the first try counts)");
        }
        int maxFails = s.integer("max_fails", GatewayDefaults.FASTCGI_MAX_FAILS);
        if (!s.failed("max_fails") && maxFails < 0) {
            s.refuse("max_fails", "must not be negative (0: never ejected by failed requests)");
        }
        Duration failTimeout = positive(s, "fail_timeout", GatewayDefaults.FASTCGI_FAIL_TIMEOUT);
        Optional<HealthCheck> check = s.has("health_check") ? healthCheck(s) : Optional.of(HealthCheck.defaults());
        Duration writeAhead = PoolSection.writeAhead(s).orElse(Duration.ZERO);
        if (writeAhead.compareTo(Duration.ZERO) > 0 && !keepConn && !s.failed("keep_conn")) {
            s.refuse("write_ahead", "needs keep_conn: on (a request is written ahead on a kept connection)");
        }
        if (s.anyFailed() || badAddress || addresses.isEmpty() || check.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new UpstreamConfig.External(name, addresses, keepConn, maxConns, idle, connect, read,
                send, new Failover(maxTries, maxFails, failTimeout, check.get()), writeAhead));
    }

    /** {@code health_check}: each key checked alone, so every bad one is reported. */
    private static Optional<HealthCheck> healthCheck(Section server) {
        Optional<Section> section = Section.of(server.raw("health_check"), server.path("health_check"),
                HEALTH_CHECK_KEYS, server.problems());
        if (section.isEmpty()) {
            return Optional.empty();
        }
        Section h = section.get();
        Duration interval = h.duration("interval", GatewayDefaults.HEALTH_CHECK_INTERVAL);
        Duration timeout = positive(h, "timeout", GatewayDefaults.HEALTH_CHECK_TIMEOUT);
        int rise = atLeastOne(h, "rise", GatewayDefaults.HEALTH_CHECK_RISE);
        int fall = atLeastOne(h, "fall", GatewayDefaults.HEALTH_CHECK_FALL);
        Optional<String> request = h.string("request");
        request.ifPresent(r -> {
            String why = HealthCheck.requestProblem(r);
            if (why != null) {
                h.refuse("request", why);
            }
        });
        Optional<String> scriptFilename = h.string("script_filename");
        scriptFilename.ifPresent(f -> {
            if (!f.startsWith("/") || f.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                h.refuse("script_filename", "must be an absolute path without control characters");
            } else if (request.isEmpty() && !h.failed("request")) {
                h.refuse("script_filename", "needs health_check.request (GET_VALUES has no script)");
            }
        });
        if (h.anyFailed()) {
            return Optional.empty();
        }
        return Optional.of(new HealthCheck(interval, timeout, rise, fall, request, scriptFilename));
    }

    private static int atLeastOne(Section s, String key, int dflt) {
        int v = s.integer(key, dflt);
        if (!s.failed(key) && v < 1) {
            s.refuse(key, "must be at least 1");
        }
        return v;
    }

    static Duration positive(Section s, String key, Duration dflt) {
        Duration d = s.duration(key, dflt);
        if (!s.failed(key) && d.isZero()) {
            s.refuse(key, "must be positive");
        }
        return d;
    }
}
