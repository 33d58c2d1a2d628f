package org.fcgate.gateway.config.yaml;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.fcgate.gateway.config.GatewayDefaults;
import org.fcgate.gateway.config.PoolListen;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.pool.config.ConfigException;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.config.SocketConvention;

/**
 * {@code pools.NAME}: a managed pool in php-fpm's vocabulary, turned into a {@link PoolConfig}. The builder's own
 * one-pass validation decides what is valid; its problems are reported under this file's key names.
 */
final class PoolSection {

    static final List<String> KEYS = List.of("command", "convention", "pm", "max_children", "start_servers",
            "min_spare_servers", "max_spare_servers", "process_idle_timeout", "max_requests", "max_requests_jitter",
            "max_lifetime", "rss_limit", "request_terminate_timeout", "kill_grace", "max_queue", "queue_timeout",
            "retry_after", "spawn_timeout", "spawn_rate", "crash_threshold", "crash_window", "crash_backoff_initial",
            "crash_backoff_max", "clear_env", "env", "chdir", "user", "group", "allow_root", "rlimit_files",
            "rlimit_core", "log_limit", "log_lines_per_second", "connect_timeout", "read_timeout", "listen", "listen_mode",
            "keep_conn", "write_ahead");

    /** PoolConfig's key names (in its messages) that this file spells as php-fpm does. */
    private static final Map<String, String> FILE_KEY = Map.of(
            "idle_timeout", "process_idle_timeout",
            "request_timeout", "request_terminate_timeout",
            "queue_max", "max_queue",
            "working_dir", "chdir",
            "rss_limit_kb", "rss_limit",
            "log_line_max", "log_limit");

    private PoolSection() {
    }

    static Optional<UpstreamConfig.ManagedPool> read(String name, JsonNode node, String path, Problems problems) {
        Optional<Section> section = Section.of(node, path, KEYS, problems);
        if (section.isEmpty()) {
            return Optional.empty();
        }
        Section s = section.get();
        List<String> command = command(s);
        PoolConfig.Builder b = PoolConfig.builder(name, command);
        b.convention(s.choice("convention", SocketConvention.class, SocketConvention.FD0));
        b.pm(s.choice("pm", PmMode.class, PmMode.DYNAMIC));
        s.integer("max_children").ifPresent(b::maxChildren);
        s.integer("start_servers").ifPresent(b::startServers);
        s.integer("min_spare_servers").ifPresent(b::minSpareServers);
        s.integer("max_spare_servers").ifPresent(b::maxSpareServers);
        duration(s, "process_idle_timeout").ifPresent(b::idleTimeout);
        s.integer("max_requests").ifPresent(b::maxRequests);
        b.keepConn(s.flag("keep_conn", true));
        writeAhead(s).ifPresent(b::writeAhead);
        s.integer("max_requests_jitter").ifPresent(b::maxRequestsJitter);
        duration(s, "max_lifetime").ifPresent(b::maxLifetime);
        if (s.has("rss_limit")) {
            b.rssLimitKb(s.size("rss_limit", 0) / 1024);
        }
        duration(s, "request_terminate_timeout").ifPresent(b::requestTimeout);
        duration(s, "kill_grace").ifPresent(b::killGrace);
        s.integer("max_queue").ifPresent(b::queueMax);
        duration(s, "queue_timeout").ifPresent(b::queueTimeout);
        duration(s, "retry_after").ifPresent(b::retryAfter);
        duration(s, "spawn_timeout").ifPresent(b::spawnTimeout);
        s.integer("spawn_rate").ifPresent(b::spawnRatePerSecond);
        s.integer("crash_threshold").ifPresent(b::crashThreshold);
        duration(s, "crash_window").ifPresent(b::crashWindow);
        duration(s, "crash_backoff_initial").ifPresent(b::crashBackoffInitial);
        duration(s, "crash_backoff_max").ifPresent(b::crashBackoffMax);
        b.clearEnv(s.flag("clear_env", true));
        b.env(s.stringMap("env"));
        s.string("chdir").map(Path::of).ifPresent(b::workingDir);
        s.string("user").ifPresent(b::user);
        s.string("group").ifPresent(b::group);
        b.allowRoot(s.flag("allow_root", false));
        s.integer("rlimit_files").ifPresent(b::rlimitNofile);
        s.integer("rlimit_core").ifPresent(b::rlimitCore);
        if (s.has("log_limit")) {
            b.logLineMaxBytes(s.intSize("log_limit", 0));
        }
        s.integer("log_lines_per_second").ifPresent(b::logLinesPerSecond);
        // The gateway's side of the pool: how it talks to a leased child.
        Duration connect = FastCgiServerSection.positive(s, "connect_timeout", GatewayDefaults.POOL_CONNECT_TIMEOUT);
        Duration read = s.duration("read_timeout", GatewayDefaults.POOL_READ_TIMEOUT);
        Optional<PoolListen> listen = listen(s);
        try {
            PoolConfig pool = b.build();
            return s.anyFailed() ? Optional.empty()
                    : Optional.of(new UpstreamConfig.ManagedPool(name, pool, connect, read, listen));
        } catch (ConfigException e) {
            report(s, e, path, problems);
            return Optional.empty();
        }
    }

    /** {@code listen} and {@code listen_mode}: only {@code fcgate pool} uses them (docs/pool-server.md). */
    private static Optional<PoolListen> listen(Section s) {
        int mode = PoolListen.DEFAULT_MODE;
        if (s.has("listen_mode")) {
            // Written 0660 unquoted, YAML 1.1 reads an octal number: the raw text is what counts, so ask for quotes.
            if (!s.raw("listen_mode").isTextual()) {
                s.refuse("listen_mode", "must be quoted octal permission bits such as \"0660\"");
            } else {
                try {
                    mode = PoolListen.parseMode(s.raw("listen_mode").textValue());
                } catch (IllegalArgumentException e) {
                    s.refuse("listen_mode", e.getMessage());
                }
            }
        }
        Optional<String> text = s.string("listen");
        if (text.isEmpty()) {
            if (s.has("listen_mode") && !s.failed("listen_mode")) {
                s.refuse("listen_mode", "applies only to a unix:/path listen address");
            }
            return Optional.empty();
        }
        try {
            PoolListen listen = PoolListen.parse(text.get(), mode);
            if (listen instanceof PoolListen.Tcp && s.has("listen_mode") && !s.failed("listen_mode")) {
                s.refuse("listen_mode", "applies only to a unix:/path listen address");
            }
            return Optional.of(listen);
        } catch (IllegalArgumentException e) {
            s.refuse("listen", "must be unix:/absolute/path or HOST:PORT with a port within 0..65535 ("
                    + e.getMessage() + ")");
            return Optional.empty();
        }
    }

    /**
     * {@code write_ahead} of a pool or a {@code fastcgi_servers} group: {@code off} (the default; YAML 1.1 may read it
     * as false) or a positive duration; empty when absent or refused.
     */
    static Optional<Duration> writeAhead(Section s) {
        if (!s.has("write_ahead")) {
            return Optional.empty();
        }
        JsonNode node = s.raw("write_ahead");
        if (node.isBoolean() && !node.booleanValue() || node.isTextual() && node.textValue().equals("off")) {
            return Optional.of(Duration.ZERO);
        }
        Duration d = s.duration("write_ahead", Duration.ZERO);
        if (s.failed("write_ahead")) {
            return Optional.empty();
        }
        if (d.isZero()) {
            s.refuse("write_ahead", "must be off or a positive duration like 50ms");
            return Optional.empty();
        }
        return Optional.of(d);
    }

    private static List<String> command(Section s) {
        if (!s.has("command")) {
            s.missing("command", "is required: the program and its arguments, as a list");
            return List.of("missing");
        }
        Optional<List<String>> command = s.strings("command");
        if (command.isPresent() && s.raw("command").isTextual() && command.get().get(0).strip().contains(" ")) {
            s.refuse("command", "must be a list: [program, arg, ...] (fcgate runs no shell to split it)");
        }
        return command.orElse(List.of("missing"));
    }

    private static Optional<Duration> duration(Section s, String key) {
        return s.has(key) ? Optional.of(s.duration(key, Duration.ZERO)).filter(d -> !s.failed(key)) : Optional.empty();
    }

    /**
     * PoolConfig checked every key in one pass; this runs even when some values of the file were refused, since
     * each of them is left at the builder's default, but a problem whose key or bound names a refused key is dropped.
     */
    private static void report(Section s, ConfigException e, String path, Problems problems) {
        for (ConfigException.Problem p : e.problems()) {
            String key = FILE_KEY.getOrDefault(p.key(), p.key());
            if (s.failed(key) || mentionsRefusedKey(s, p.reason())) {
                continue;
            }
            if (key.equals("env")) {
                problems.missing(s.path("env") + "." + p.value(), p.reason());
                continue;
            }
            if (key.equals("name")) {
                problems.add(path, Problems.quote(p.value()), "name " + p.reason());
                continue;
            }
            String value = s.has(key) ? Problems.show(s.raw(key)) : p.value();
            problems.add(s.path(key), value, p.reason());
        }
    }

    private static boolean mentionsRefusedKey(Section s, String reason) {
        for (String fileKey : s.failedKeys()) {
            String poolKey = FILE_KEY.entrySet().stream().filter(e -> e.getValue().equals(fileKey))
                    .map(Map.Entry::getKey).findFirst().orElse(fileKey);
            if (reason.contains(poolKey + " (")) {
                return true;
            }
        }
        return false;
    }
}
