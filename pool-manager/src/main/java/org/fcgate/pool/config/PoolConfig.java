package org.fcgate.pool.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * One pool's configuration, in php-fpm's vocabulary where php-fpm has a word for it. Build with
 * {@link #builder(String, List)}; {@link Builder#build()} validates every key in one pass and throws a
 * {@link ConfigException} listing all errors as {@code [pool NAME] key (value) reason}.
 *
 * <p>A zero {@link Duration} or zero count means "off" for the optional limits (max_requests, max_lifetime,
 * rss_limit_kb, rss_hard_limit_kb, request_timeout), as in php-fpm. Every default is listed in pool-manager/README.md.
 */
public record PoolConfig(
        String name,
        List<String> command,
        SocketConvention convention,
        PmMode pm,
        int maxChildren,
        int startServers,
        int minSpareServers,
        int maxSpareServers,
        Duration idleTimeout,
        int maxRequests,
        int maxRequestsJitter,
        Duration maxLifetime,
        long rssLimitKb,
        long rssHardLimitKb,
        Duration requestTimeout,
        Duration killGrace,
        int queueMax,
        Duration queueTimeout,
        Duration retryAfter,
        Duration spawnTimeout,
        int spawnRatePerSecond,
        int crashThreshold,
        Duration crashWindow,
        Duration crashBackoffInitial,
        Duration crashBackoffMax,
        boolean clearEnv,
        Map<String, String> env,
        Path workingDir,
        String user,
        String group,
        boolean allowRoot,
        OptionalInt rlimitNofile,
        OptionalInt rlimitCore,
        int logLineMaxBytes,
        int logLinesPerSecond,
        boolean keepConn,
        Duration writeAhead) {

    public PoolConfig {
        command = List.copyOf(command);
        env = Map.copyOf(env);
    }

    public static Builder builder(String name, List<String> command) {
        return new Builder(name, command);
    }

    /**
     * This configuration with another {@code max_children}, validated as {@link Builder#build()} validates a new
     * one (e.g. a dynamic pool's {@code max_spare_servers} cannot exceed it); for {@code Pool.resize}.
     *
     * @throws ConfigException listing what the new value breaks
     */
    public PoolConfig withMaxChildren(int maxChildren) {
        return toBuilder().maxChildren(maxChildren).build();
    }

    /** A builder holding every value of this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder(name, command).convention(convention).pm(pm).maxChildren(maxChildren)
                .startServers(startServers).minSpareServers(minSpareServers).maxSpareServers(maxSpareServers)
                .idleTimeout(idleTimeout).maxRequests(maxRequests).maxRequestsJitter(maxRequestsJitter)
                .maxLifetime(maxLifetime).rssLimitKb(rssLimitKb).rssHardLimitKb(rssHardLimitKb)
                .requestTimeout(requestTimeout).killGrace(killGrace).queueMax(queueMax).queueTimeout(queueTimeout)
                .retryAfter(retryAfter).spawnTimeout(spawnTimeout).spawnRatePerSecond(spawnRatePerSecond)
                .crashThreshold(crashThreshold).crashWindow(crashWindow).crashBackoffInitial(crashBackoffInitial)
                .crashBackoffMax(crashBackoffMax).clearEnv(clearEnv).env(env).workingDir(workingDir).user(user)
                .group(group).allowRoot(allowRoot).logLineMaxBytes(logLineMaxBytes)
                .logLinesPerSecond(logLinesPerSecond).keepConn(keepConn).writeAhead(writeAhead);
        rlimitNofile.ifPresent(b::rlimitNofile);
        rlimitCore.ifPresent(b::rlimitCore);
        return b;
    }

    /** Mutable builder; every setter returns {@code this}. Defaults are php-fpm's where it has one. */
    public static final class Builder {
        private final String name;
        private final List<String> command;
        private SocketConvention convention = SocketConvention.FD0;
        private PmMode pm = PmMode.DYNAMIC;
        private int maxChildren = 5;
        private int startServers = 2;
        private int minSpareServers = 1;
        private int maxSpareServers = 3;
        private Duration idleTimeout = Duration.ofSeconds(10);
        private int maxRequests = 0;
        private int maxRequestsJitter = 0;
        private Duration maxLifetime = Duration.ZERO;
        private long rssLimitKb = 0;
        private long rssHardLimitKb = 0;
        private Duration requestTimeout = Duration.ZERO;
        private Duration killGrace = Duration.ofSeconds(1);
        private int queueMax = 100;
        private Duration queueTimeout = Duration.ofSeconds(5);
        private Duration retryAfter = Duration.ofSeconds(1);
        private Duration spawnTimeout = Duration.ofSeconds(10);
        private int spawnRatePerSecond = 32;
        private int crashThreshold = 5;
        private Duration crashWindow = Duration.ofSeconds(10);
        private Duration crashBackoffInitial = Duration.ofSeconds(1);
        private Duration crashBackoffMax = Duration.ofSeconds(60);
        private boolean clearEnv = true;
        private final Map<String, String> env = new LinkedHashMap<>();
        private Path workingDir;
        private String user;
        private String group;
        private boolean allowRoot;
        private OptionalInt rlimitNofile = OptionalInt.empty();
        private OptionalInt rlimitCore = OptionalInt.empty();
        private int logLineMaxBytes = 8192;
        private int logLinesPerSecond = 100;
        private boolean keepConn = true;
        private Duration writeAhead = Duration.ZERO;

        private Builder(String name, List<String> command) {
            this.name = Objects.requireNonNull(name, "name");
            this.command = List.copyOf(command);
        }

        public Builder convention(SocketConvention v) { convention = Objects.requireNonNull(v); return this; }
        public Builder pm(PmMode v) { pm = Objects.requireNonNull(v); return this; }
        public Builder maxChildren(int v) { maxChildren = v; return this; }
        public Builder startServers(int v) { startServers = v; return this; }
        public Builder minSpareServers(int v) { minSpareServers = v; return this; }
        public Builder maxSpareServers(int v) { maxSpareServers = v; return this; }
        public Builder idleTimeout(Duration v) { idleTimeout = Objects.requireNonNull(v); return this; }
        public Builder maxRequests(int v) { maxRequests = v; return this; }
        public Builder maxRequestsJitter(int v) { maxRequestsJitter = v; return this; }
        public Builder maxLifetime(Duration v) { maxLifetime = Objects.requireNonNull(v); return this; }
        public Builder rssLimitKb(long v) { rssLimitKb = v; return this; }
        /** Checked while a child is busy: above it the child is killed mid-request (0: off). */
        public Builder rssHardLimitKb(long v) { rssHardLimitKb = v; return this; }
        public Builder requestTimeout(Duration v) { requestTimeout = Objects.requireNonNull(v); return this; }
        public Builder killGrace(Duration v) { killGrace = Objects.requireNonNull(v); return this; }
        public Builder queueMax(int v) { queueMax = v; return this; }
        public Builder queueTimeout(Duration v) { queueTimeout = Objects.requireNonNull(v); return this; }
        public Builder retryAfter(Duration v) { retryAfter = Objects.requireNonNull(v); return this; }
        public Builder spawnTimeout(Duration v) { spawnTimeout = Objects.requireNonNull(v); return this; }
        public Builder spawnRatePerSecond(int v) { spawnRatePerSecond = v; return this; }
        public Builder crashThreshold(int v) { crashThreshold = v; return this; }
        public Builder crashWindow(Duration v) { crashWindow = Objects.requireNonNull(v); return this; }
        public Builder crashBackoffInitial(Duration v) { crashBackoffInitial = Objects.requireNonNull(v); return this; }
        public Builder crashBackoffMax(Duration v) { crashBackoffMax = Objects.requireNonNull(v); return this; }
        public Builder clearEnv(boolean v) { clearEnv = v; return this; }
        public Builder env(String key, String value) { env.put(key, value); return this; }
        public Builder env(Map<String, String> v) { env.putAll(v); return this; }
        public Builder workingDir(Path v) { workingDir = v; return this; }
        public Builder user(String v) { user = v; return this; }
        public Builder group(String v) { group = v; return this; }
        /** Allows {@code user root}; refused otherwise, as php-fpm refuses without {@code -R}. */
        public Builder allowRoot(boolean v) { allowRoot = v; return this; }
        public Builder rlimitNofile(int v) { rlimitNofile = OptionalInt.of(v); return this; }
        public Builder rlimitCore(int v) { rlimitCore = OptionalInt.of(v); return this; }
        public Builder logLineMaxBytes(int v) { logLineMaxBytes = v; return this; }
        public Builder logLinesPerSecond(int v) { logLinesPerSecond = v; return this; }
        /**
         * Whether a lease holder may keep its FastCGI connection to a child for the child's next lease
         * ({@code keep_conn}; see {@link org.fcgate.pool.ChildConnection}). Off: one connection per request.
         */
        public Builder keepConn(boolean v) { keepConn = v; return this; }
        /**
         * {@code write_ahead}: with no child idle and the pool at {@code max_children}, a request may be written on a
         * busy child's kept connection behind its current request if that one has run less than this long (one such
         * request per child; see {@code Pool}). Zero (the default): off.
         */
        public Builder writeAhead(Duration v) { writeAhead = Objects.requireNonNull(v); return this; }

        public PoolConfig build() {
            List<ConfigException.Problem> errors = new ArrayList<>();
            Check c = new Check(name, errors);
            c.that(name.matches("[A-Za-z0-9_.-]{1,32}"), "name", name, "must be 1-32 of [A-Za-z0-9_.-]");
            c.that(!command.isEmpty(), "command", command, "must not be empty");
            if (!command.isEmpty()) {
                c.that(!command.get(0).contains("="), "command", command.get(0), "program must not contain '='");
            }
            boolean hasSocket = command.stream().anyMatch(a -> a.contains("{socket}"));
            boolean hasPort = command.stream().anyMatch(a -> a.contains("{port}"));
            c.that(convention != SocketConvention.BIND || hasSocket, "command", command,
                    "convention bind needs a {socket} placeholder");
            c.that(convention != SocketConvention.TCP || hasPort, "command", command,
                    "convention tcp needs a {port} placeholder");
            c.that(maxChildren >= 1, "max_children", maxChildren, "must be at least 1");
            if (pm == PmMode.DYNAMIC) {
                c.that(minSpareServers >= 1, "min_spare_servers", minSpareServers, "must be at least 1");
                c.that(maxSpareServers >= minSpareServers, "max_spare_servers", maxSpareServers,
                        "cannot be less than min_spare_servers (" + minSpareServers + ")");
                c.that(maxSpareServers <= maxChildren, "max_spare_servers", maxSpareServers,
                        "cannot exceed max_children (" + maxChildren + ")");
                c.that(startServers >= minSpareServers && startServers <= maxSpareServers, "start_servers",
                        startServers, "must be between min_spare_servers (" + minSpareServers
                                + ") and max_spare_servers (" + maxSpareServers + ")");
            }
            if (pm != PmMode.STATIC) {
                c.that(idleTimeout.compareTo(Duration.ZERO) > 0, "idle_timeout", idleTimeout, "must be positive");
            }
            c.that(maxRequests >= 0, "max_requests", maxRequests, "cannot be negative");
            c.that(maxRequestsJitter >= 0, "max_requests_jitter", maxRequestsJitter, "cannot be negative");
            c.that(maxRequestsJitter == 0 || maxRequestsJitter < maxRequests, "max_requests_jitter",
                    maxRequestsJitter, "must be less than max_requests (" + maxRequests + ")");
            c.that(!maxLifetime.isNegative(), "max_lifetime", maxLifetime, "cannot be negative");
            c.that(rssLimitKb >= 0, "rss_limit_kb", rssLimitKb, "cannot be negative");
            c.that(rssHardLimitKb >= 0, "rss_hard_limit_kb", rssHardLimitKb, "cannot be negative");
            c.that(rssHardLimitKb <= 0 || rssHardLimitKb >= rssLimitKb, "rss_hard_limit_kb", rssHardLimitKb,
                    "cannot be less than rss_limit_kb (" + rssLimitKb + ")");
            c.that(!requestTimeout.isNegative(), "request_timeout", requestTimeout, "cannot be negative");
            c.that(!killGrace.isNegative(), "kill_grace", killGrace, "cannot be negative");
            c.that(queueMax >= 0, "queue_max", queueMax, "cannot be negative");
            c.that(queueTimeout.compareTo(Duration.ZERO) > 0, "queue_timeout", queueTimeout, "must be positive");
            c.that(!retryAfter.isNegative(), "retry_after", retryAfter, "cannot be negative");
            c.that(spawnTimeout.compareTo(Duration.ZERO) > 0, "spawn_timeout", spawnTimeout, "must be positive");
            c.that(spawnRatePerSecond >= 1, "spawn_rate", spawnRatePerSecond, "must be at least 1");
            c.that(crashThreshold >= 1, "crash_threshold", crashThreshold, "must be at least 1");
            c.that(crashWindow.compareTo(Duration.ZERO) > 0, "crash_window", crashWindow, "must be positive");
            c.that(crashBackoffInitial.compareTo(Duration.ZERO) > 0, "crash_backoff_initial", crashBackoffInitial,
                    "must be positive");
            c.that(crashBackoffMax.compareTo(crashBackoffInitial) >= 0, "crash_backoff_max", crashBackoffMax,
                    "cannot be less than crash_backoff_initial (" + crashBackoffInitial + ")");
            c.that(group == null || user != null, "group", group, "needs user");
            c.that(user == null || allowRoot || !(user.equals("root") || user.equals("0")), "user", user,
                    "refusing to run children as root without allow_root");
            c.that(workingDir == null || workingDir.isAbsolute(), "working_dir", workingDir, "must be absolute");
            rlimitNofile.ifPresent(v -> c.that(v >= 1, "rlimit_files", v, "must be at least 1"));
            rlimitCore.ifPresent(v -> c.that(v >= 0, "rlimit_core", v, "cannot be negative"));
            c.that(logLineMaxBytes >= 80, "log_line_max", logLineMaxBytes, "must be at least 80");
            c.that(logLinesPerSecond >= 1, "log_lines_per_second", logLinesPerSecond, "must be at least 1");
            c.that(!writeAhead.isNegative(), "write_ahead", writeAhead, "cannot be negative");
            c.that(writeAhead.isZero() || keepConn, "write_ahead", writeAhead, "needs keep_conn on");
            for (String key : env.keySet()) {
                c.that(key.matches("[A-Za-z_][A-Za-z0-9_]*"), "env", key, "is not a valid variable name");
            }
            if (!errors.isEmpty()) {
                throw ConfigException.of(errors);
            }
            return new PoolConfig(name, command, convention, pm, maxChildren, startServers, minSpareServers,
                    maxSpareServers, idleTimeout, maxRequests, maxRequestsJitter, maxLifetime, rssLimitKb,
                    rssHardLimitKb, requestTimeout, killGrace, queueMax, queueTimeout, retryAfter, spawnTimeout,
                    spawnRatePerSecond, crashThreshold, crashWindow, crashBackoffInitial, crashBackoffMax,
                    clearEnv, env, workingDir, user, group, allowRoot, rlimitNofile, rlimitCore,
                    logLineMaxBytes, logLinesPerSecond, keepConn, writeAhead);
        }
    }

    private record Check(String pool, List<ConfigException.Problem> errors) {
        void that(boolean ok, String key, Object value, String reason) {
            if (!ok) {
                errors.add(new ConfigException.Problem(pool, key, String.valueOf(value), reason));
            }
        }
    }
}
