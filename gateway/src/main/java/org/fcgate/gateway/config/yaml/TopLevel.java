package org.fcgate.gateway.config.yaml;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.GatewayDefaults;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.ShutdownOptions;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.config.Timeouts;

/**
 * The top-level keys that are not sections: nginx's {@code server} block (listen, server_name, root, index, the
 * client limits and timeouts, sendfile, gzip lengths). A refused value is reported and replaced by its default, so
 * the records below can always be built.
 */
record TopLevel(ListenAddress listen, List<String> serverNames, Optional<String> root, List<String> index,
                boolean allowSymlinksOutsideRoot, boolean denyDotfiles, HttpLimits limits, Timeouts timeouts,
                StaticOptions staticOptions, ShutdownOptions shutdown, int eventLoops) {

    /** More event loops than this is a typo (nginx's worker_processes has no cap; a JVM thread each). */
    static final int MAX_EVENT_LOOPS = 1024;

    static final List<String> KEYS = List.of("listen", "server_name", "root", "index", "allow_symlinks_outside_root",
            "deny_dotfiles", "client_max_body_size", "client_header_timeout", "client_body_timeout",
            "keepalive_timeout", "max_request_line_size", "max_header_size", "max_header_count",
            "max_chunk_line_size", "max_connections_per_ip", "sendfile", "gzip_min_length", "gzip_max_length",
            "open_file_cache_valid", "open_file_cache_max",
            "shutdown_delay", "shutdown_timeout", "pools", "fastcgi_servers", "routes", "access_log",
            "slow_request_timeout", "admin", "event_loops");

    static TopLevel read(Section s) {
        ListenAddress listen = ListenAddress.defaults();
        Optional<String> listenText = s.string("listen");
        if (listenText.isPresent()) {
            try {
                listen = ListenAddress.parse(listenText.get());
            } catch (IllegalArgumentException e) {
                s.refuse("listen", "must be HOST:PORT, [IPv6]:PORT or :PORT with a port within 0..65535");
            }
        }
        List<String> serverNames = s.strings("server_name").orElse(List.of());
        for (String name : serverNames) {
            if (name.isEmpty() || !name.matches("[A-Za-z0-9.*_-]+|\\[[0-9A-Fa-f:.]+\\]")) {
                s.refuse("server_name", s.raw("server_name").isArray()
                        ? "must be host names (" + Problems.quote(name) + " is not one)" : "must be a host name");
                break;
            }
        }
        Optional<String> root = s.string("root");
        List<String> index = s.strings("index").orElse(GatewayDefaults.INDEX_FILES);
        boolean symlinks = s.flag("allow_symlinks_outside_root", GatewayDefaults.ALLOW_SYMLINKS_OUTSIDE_ROOT);
        boolean dotfiles = s.flag("deny_dotfiles", GatewayDefaults.DENY_DOTFILES);

        long body = atLeast(s, "client_max_body_size", s.size("client_max_body_size", GatewayDefaults.MAX_BODY_BYTES),
                1, GatewayDefaults.MAX_BODY_BYTES, " (nginx's 0 for unlimited is not supported; give a size)");
        int line = (int) atLeast(s, "max_request_line_size",
                s.intSize("max_request_line_size", GatewayDefaults.MAX_REQUEST_LINE_BYTES), 16,
                GatewayDefaults.MAX_REQUEST_LINE_BYTES, "");
        int header = (int) atLeast(s, "max_header_size",
                s.intSize("max_header_size", GatewayDefaults.MAX_HEADER_BYTES), 64, GatewayDefaults.MAX_HEADER_BYTES,
                "");
        int count = (int) atLeast(s, "max_header_count",
                s.integer("max_header_count", GatewayDefaults.MAX_HEADER_COUNT), 1, GatewayDefaults.MAX_HEADER_COUNT,
                "");
        int chunk = (int) atLeast(s, "max_chunk_line_size",
                s.intSize("max_chunk_line_size", GatewayDefaults.MAX_CHUNK_LINE_BYTES), 16,
                GatewayDefaults.MAX_CHUNK_LINE_BYTES, "");
        int perIp = (int) atLeast(s, "max_connections_per_ip",
                s.integer("max_connections_per_ip", GatewayDefaults.MAX_CONNECTIONS_PER_IP), 0,
                GatewayDefaults.MAX_CONNECTIONS_PER_IP, " (0: unlimited)");

        Duration headerTimeout = positive(s, "client_header_timeout", GatewayDefaults.HEADER_TIMEOUT);
        Duration bodyTimeout = positive(s, "client_body_timeout", GatewayDefaults.BODY_TIMEOUT);
        Duration keepAlive = positive(s, "keepalive_timeout", GatewayDefaults.KEEPALIVE_TIMEOUT);

        boolean sendfile = s.flag("sendfile", GatewayDefaults.SENDFILE);
        long gzipMin = s.size("gzip_min_length", GatewayDefaults.GZIP_MIN_FILE_BYTES);
        long gzipMax = s.size("gzip_max_length", GatewayDefaults.GZIP_MAX_FILE_BYTES);
        if (gzipMax < gzipMin && !s.failed("gzip_min_length") && !s.failed("gzip_max_length")) {
            s.refuse("gzip_max_length", "cannot be less than gzip_min_length (" + gzipMin + ")");
            gzipMin = GatewayDefaults.GZIP_MIN_FILE_BYTES;
            gzipMax = GatewayDefaults.GZIP_MAX_FILE_BYTES;
        }
        Duration cacheValid = s.duration("open_file_cache_valid", GatewayDefaults.OPEN_FILE_CACHE_VALID);
        int cacheMax = (int) atLeast(s, "open_file_cache_max",
                s.integer("open_file_cache_max", GatewayDefaults.OPEN_FILE_CACHE_MAX), 1,
                GatewayDefaults.OPEN_FILE_CACHE_MAX, " (open_file_cache_valid: 0 turns the cache off)");
        ShutdownOptions shutdown = new ShutdownOptions(s.duration("shutdown_delay", ShutdownOptions.DEFAULT_DELAY),
                s.duration("shutdown_timeout", ShutdownOptions.DEFAULT_TIMEOUT));
        return new TopLevel(listen, serverNames, root, index, symlinks, dotfiles,
                new HttpLimits(line, header, count, body, chunk, perIp),
                new Timeouts(headerTimeout, bodyTimeout, keepAlive),
                new StaticOptions(sendfile, gzipMin, gzipMax, cacheValid, cacheMax), shutdown, eventLoops(s));
    }

    /** {@code event_loops}: {@code auto} (the default) or a count within 1..{@link #MAX_EVENT_LOOPS}. */
    private static int eventLoops(Section s) {
        if (!s.has("event_loops")) {
            return GatewayConfig.AUTO_EVENT_LOOPS;
        }
        JsonNode node = s.raw("event_loops");
        if (node.isTextual() && node.textValue().equals("auto")) {
            return GatewayConfig.AUTO_EVENT_LOOPS;
        }
        if (node.canConvertToInt() && node.isIntegralNumber()
                && node.intValue() >= 1 && node.intValue() <= MAX_EVENT_LOOPS) {
            return node.intValue();
        }
        s.refuse("event_loops", "must be auto or a whole number within 1.." + MAX_EVENT_LOOPS);
        return GatewayConfig.AUTO_EVENT_LOOPS;
    }

    private static long atLeast(Section s, String key, long value, long min, long dflt, String hint) {
        if (value < min && !s.failed(key)) {
            s.refuse(key, "must be at least " + min + hint);
            return dflt;
        }
        return value;
    }

    private static Duration positive(Section s, String key, Duration dflt) {
        Duration d = FastCgiServerSection.positive(s, key, dflt);
        return d.isZero() ? dflt : d;
    }
}
