package org.fcgate.gateway.config.yaml;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.fcgate.gateway.config.FastCgiAddress;
import org.fcgate.gateway.config.GatewayDefaults;
import org.fcgate.gateway.config.UpstreamConfig;

/** {@code fastcgi_servers.NAME}: FastCGI servers run by someone else (php-fpm), in nginx's upstream vocabulary. */
final class FastCgiServerSection {

    static final List<String> KEYS = List.of("addresses", "keep_conn", "max_conns_per_server", "idle_timeout",
            "connect_timeout", "read_timeout", "send_timeout");

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
                try {
                    addresses.add(FastCgiAddress.parse(texts.get(i)));
                } catch (IllegalArgumentException e) {
                    String at = s.raw("addresses").isArray() ? s.path("addresses") + "[" + i + "]"
                            : s.path("addresses");
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
        if (s.anyFailed() || badAddress || addresses.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new UpstreamConfig.External(name, addresses, keepConn, maxConns, idle, connect, read,
                send));
    }

    static Duration positive(Section s, String key, Duration dflt) {
        Duration d = s.duration(key, dflt);
        if (!s.failed(key) && d.isZero()) {
            s.refuse(key, "must be positive");
        }
        return d;
    }
}
