package org.fcgate.gateway.config.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.fcgate.gateway.accesslog.AccessLogDestination;
import org.fcgate.gateway.accesslog.AccessLogFormat;
import org.fcgate.gateway.accesslog.AccessLogOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.fcgate.gateway.config.Cidr;
import org.fcgate.gateway.config.FastCgiAddress;
import org.fcgate.gateway.config.FastCgiOptions;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.gateway.route.PathMatcher;
import org.fcgate.gateway.route.Route;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.config.SocketConvention;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private LoadedConfig load(String yaml) throws InvalidConfigException {
        return ConfigLoader.create().parse(yaml, dir);
    }

    private List<String> errors(String yaml) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> load(yaml));
        assertThat(e).as("expected errors for:\n" + yaml).isNotNull();
        return e.lines();
    }

    /** A valid file: root is the temp dir, one static route. */
    private String minimal(String extra) {
        return "root: " + dir + "\n" + extra + "\nroutes:\n  - match: {prefix: /}\n    static: {}\n";
    }

    @Test
    void minimalFileGetsEveryDefault() throws Exception {
        GatewayConfig c = load(minimal("")).gateway();
        assertThat(c.listen()).isEqualTo(ListenAddress.defaults());
        assertThat(c.limits()).isEqualTo(HttpLimits.defaults());
        assertThat(c.timeouts()).isEqualTo(Timeouts.defaults());
        assertThat(c.staticOptions()).isEqualTo(StaticOptions.defaults());
        assertThat(c.serverNames()).isEmpty();
        assertThat(c.upstreams()).isEmpty();
        Route.Static s = (Route.Static) c.routes().get(0);
        assertThat(s.matcher()).isEqualTo(new PathMatcher.Prefix("/"));
        assertThat(s.root().realRoot()).isEqualTo(dir.toRealPath());
        assertThat(s.indexFiles()).containsExactly("index.html", "index.php");
        assertThat(s.frontController()).isEmpty();
    }

    @Test
    void accessLogDefaultsToStdoutCombinedWithoutSlowLog() throws Exception {
        assertThat(load(minimal("")).accessLog()).isEqualTo(AccessLogOptions.defaults());
    }

    @Test
    void accessLogAndSlowRequestTimeoutAreRead() throws Exception {
        LoadedConfig c = load(minimal("access_log: {path: logs/access.log, format: json}\nslow_request_timeout: 2s"));
        assertThat(c.accessLog().destination()).isEqualTo(new AccessLogDestination.File(dir.resolve("logs/access.log")));
        assertThat(c.accessLog().format()).isEqualTo(AccessLogFormat.JSON);
        assertThat(c.accessLog().slowRequestTimeout()).hasValue(Duration.ofSeconds(2));
        assertThat(load(minimal("access_log: {path: off}")).accessLog().destination())
                .isEqualTo(new AccessLogDestination.Off());
        assertThat(load(minimal("access_log: {path: \"off\"}")).accessLog().destination())
                .isEqualTo(new AccessLogDestination.Off());
    }

    @Test
    void accessLogErrorsAreReportedWithTheOthers() {
        assertThat(errors(minimal("access_log: {path: \"\", format: xml, rotate: daily}\nslow_request_timeout: 3")))
                .containsExactlyInAnyOrder(
                        "access_log.rotate unknown key (known: path, format)",
                        "access_log.path (\"\") must be stdout, off or a file path",
                        "access_log.format (\"xml\") must be combined or json",
                        "slow_request_timeout (3) needs a unit: ms, s, m, h or d (e.g. 30s)");
    }

    @Test
    void everyTopLevelKeyIsRead() throws Exception {
        GatewayConfig c = load(minimal("""
                listen: "[::1]:9090"
                server_name: [example.com, www.example.com]
                index: [home.html]
                allow_symlinks_outside_root: on
                deny_dotfiles: off
                client_max_body_size: 10m
                client_header_timeout: 500ms
                client_body_timeout: 5m
                keepalive_timeout: 1h
                max_request_line_size: 4k
                max_header_size: 16k
                max_header_count: 50
                max_chunk_line_size: 512
                max_connections_per_ip: 0
                sendfile: off
                gzip_min_length: 1k
                gzip_max_length: 2m
                event_loops: 3
                """)).gateway();
        assertThat(c.listen()).isEqualTo(new ListenAddress("::1", 9090));
        assertThat(c.serverNames()).containsExactly("example.com", "www.example.com");
        assertThat(c.limits()).isEqualTo(new HttpLimits(4096, 16384, 50, 10L << 20, 512, 0));
        assertThat(c.timeouts()).isEqualTo(new Timeouts(Duration.ofMillis(500), Duration.ofMinutes(5),
                Duration.ofHours(1)));
        assertThat(c.staticOptions()).isEqualTo(new StaticOptions(false, 1024, 2L << 20));
        assertThat(((Route.Static) c.routes().get(0)).indexFiles()).containsExactly("home.html");
        assertThat(c.eventLoops()).isEqualTo(3);
    }

    @Test
    void eventLoopsIsAutoByDefaultAndWhenSaidSo() throws Exception {
        assertThat(load(minimal("")).gateway().eventLoops()).isEqualTo(GatewayConfig.AUTO_EVENT_LOOPS);
        assertThat(load(minimal("event_loops: auto")).gateway().eventLoops())
                .isEqualTo(GatewayConfig.AUTO_EVENT_LOOPS);
    }

    @Test
    void eventLoopsOtherThanAutoOrACountAreRefused() {
        for (String bad : List.of("0", "-1", "1025", "2.5", "many", "\"2\"", "[1]")) {
            assertThat(errors(minimal("event_loops: " + bad))).as(bad).singleElement().asString()
                    .startsWith("event_loops (")
                    .endsWith(") must be auto or a whole number within 1..1024");
        }
    }

    @Test
    void everyPoolKeyIsRead() throws Exception {
        LoadedConfig c = load(minimal("""
                pools:
                  php:
                    command: [/usr/bin/php-cgi, -b, "{socket}"]
                    convention: bind
                    pm: static
                    max_children: 8
                    start_servers: 3
                    min_spare_servers: 2
                    max_spare_servers: 4
                    process_idle_timeout: 20s
                    max_requests: 500
                    max_requests_jitter: 50
                    max_lifetime: 1h
                    rss_limit: 256m
                    request_terminate_timeout: 30s
                    kill_grace: 2s
                    max_queue: 10
                    queue_timeout: 1s
                    retry_after: 3s
                    spawn_timeout: 4s
                    spawn_rate: 8
                    crash_threshold: 3
                    crash_window: 30s
                    crash_backoff_initial: 2s
                    crash_backoff_max: 2m
                    clear_env: no
                    env: {PHP_FCGI_CHILDREN: 0, APP_ENV: prod}
                    chdir: /srv
                    user: www-data
                    group: www-data
                    allow_root: off
                    rlimit_files: 4096
                    rlimit_core: 0
                    log_limit: 4k
                    log_lines_per_second: 50
                    keep_conn: off
                """));
        PoolConfig p = c.pools().get(0);
        assertThat(p.name()).isEqualTo("php");
        assertThat(p.command()).containsExactly("/usr/bin/php-cgi", "-b", "{socket}");
        assertThat(p.convention()).isEqualTo(SocketConvention.BIND);
        assertThat(p.pm()).isEqualTo(PmMode.STATIC);
        assertThat(List.of(p.maxChildren(), p.startServers(), p.minSpareServers(), p.maxSpareServers()))
                .containsExactly(8, 3, 2, 4);
        assertThat(p.idleTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(p.maxRequests()).isEqualTo(500);
        assertThat(p.maxRequestsJitter()).isEqualTo(50);
        assertThat(p.maxLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(p.rssLimitKb()).isEqualTo(256 * 1024);
        assertThat(p.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.killGrace()).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.queueMax()).isEqualTo(10);
        assertThat(p.queueTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.retryAfter()).isEqualTo(Duration.ofSeconds(3));
        assertThat(p.spawnTimeout()).isEqualTo(Duration.ofSeconds(4));
        assertThat(p.spawnRatePerSecond()).isEqualTo(8);
        assertThat(p.crashThreshold()).isEqualTo(3);
        assertThat(p.crashWindow()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.crashBackoffInitial()).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.crashBackoffMax()).isEqualTo(Duration.ofMinutes(2));
        assertThat(p.clearEnv()).isFalse();
        assertThat(p.env()).isEqualTo(Map.of("PHP_FCGI_CHILDREN", "0", "APP_ENV", "prod"));
        assertThat(p.workingDir()).isEqualTo(Path.of("/srv"));
        assertThat(p.user()).isEqualTo("www-data");
        assertThat(p.group()).isEqualTo("www-data");
        assertThat(p.allowRoot()).isFalse();
        assertThat(p.rlimitNofile()).hasValue(4096);
        assertThat(p.rlimitCore()).hasValue(0);
        assertThat(p.logLineMaxBytes()).isEqualTo(4096);
        assertThat(p.logLinesPerSecond()).isEqualTo(50);
        assertThat(p.keepConn()).isFalse();
        assertThat(c.gateway().upstream("php")).hasValue(new UpstreamConfig.ManagedPool("php", p));
    }

    @Test
    void everyFastCgiServerKeyIsRead() throws Exception {
        LoadedConfig c = load(minimal("""
                fastcgi_servers:
                  fpm:
                    addresses: [unix:/run/php/fpm.sock, 10.0.0.5:9000, "[::1]:9001"]
                    keep_conn: off
                    max_conns_per_server: 4
                    idle_timeout: 10s
                    connect_timeout: 1s
                    read_timeout: 2m
                    send_timeout: 90s
                """));
        assertThat(c.externalServers()).containsExactly(new UpstreamConfig.External("fpm",
                List.of(new FastCgiAddress.Unix(Path.of("/run/php/fpm.sock")),
                        new FastCgiAddress.Tcp("10.0.0.5", 9000), new FastCgiAddress.Tcp("::1", 9001)),
                false, 4, Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMinutes(2),
                Duration.ofSeconds(90)));
        assertThat(c.pools()).isEmpty();
    }

    @Test
    void routesOfEachKindInOrder() throws Exception {
        Files.createDirectory(dir.resolve("app"));
        GatewayConfig c = load("""
                root: %s
                fastcgi_servers:
                  fpm: {addresses: 127.0.0.1:9000}
                routes:
                  - match: {regex: '^/api/'}
                    proxy: {pass: "http://127.0.0.1:8081/"}
                  - match: {extension: [.php, .phtml]}
                    fastcgi:
                      upstream: fpm
                      root: app
                      script_extensions: [.php, .phtml]
                      index: [app.php]
                      try_files: [$uri, $uri/, /app.php]
                      params: {APP_ENV: prod, EMPTY: }
                      request_buffering: off
                      response_buffering: off
                      trusted_proxies: [10.0.0.0/8, "::1"]
                  - match: {prefix: /}
                    static:
                      index: index.html
                      try_files: [$uri, $uri/, /index.php]
                """.formatted(dir)).gateway();
        assertThat(c.routes()).hasSize(3);
        Route.Proxy proxy = (Route.Proxy) c.routes().get(0);
        assertThat(((PathMatcher.Regex) proxy.matcher()).pattern().pattern()).isEqualTo("^/api/");
        assertThat(proxy.target()).hasToString("http://127.0.0.1:8081/");
        Route.FastCgi f = (Route.FastCgi) c.routes().get(1);
        assertThat(f.matcher()).isEqualTo(new PathMatcher.Extension(Set.of(".php", ".phtml")));
        assertThat(f.upstream()).isEqualTo("fpm");
        assertThat(f.root().realRoot()).isEqualTo(dir.resolve("app").toRealPath());
        assertThat(f.scriptExtensions()).containsExactlyInAnyOrder(".php", ".phtml");
        assertThat(f.options()).isEqualTo(new FastCgiOptions(Map.of("APP_ENV", "prod", "EMPTY", ""), false, false,
                List.of("app.php"), Optional.of("/app.php"),
                List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("::1/128"))));
        assertThat(f.options().params().keySet()).containsExactly("APP_ENV", "EMPTY");
        Route.Static s = (Route.Static) c.routes().get(2);
        assertThat(s.indexFiles()).containsExactly("index.html");
        assertThat(s.frontController()).hasValue("/index.php");
    }

    @Test
    void fastCgiRouteDefaults() throws Exception {
        Route.FastCgi f = (Route.FastCgi) load("""
                root: %s
                pools:
                  php: {command: [php-cgi]}
                routes:
                  - match: {extension: .php}
                    fastcgi: {upstream: php}
                """.formatted(dir)).gateway().routes().get(0);
        assertThat(f.options()).isEqualTo(FastCgiOptions.defaults());
        assertThat(f.scriptExtensions()).containsExactly(".php");
    }

    @Test
    void unknownKeysAtEveryDepthAreErrorsWithTheirPath() {
        assertThat(errors("""
                root: /tmp
                listn: ":8080"
                pools:
                  php: {command: [php-cgi], max_childs: 3}
                fastcgi_servers:
                  fpm: {addresses: "127.0.0.1:9000", keepalive: on}
                routes:
                  - match: {prefix: /, glob: "*.php"}
                    static: {rooot: /srv}
                    cache: on
                """)).containsExactly(
                "listn unknown key (known: listen, server_name, root, index, allow_symlinks_outside_root, "
                        + "deny_dotfiles, client_max_body_size, client_header_timeout, client_body_timeout, "
                        + "keepalive_timeout, max_request_line_size, max_header_size, max_header_count, "
                        + "max_chunk_line_size, max_connections_per_ip, sendfile, gzip_min_length, gzip_max_length, "
                        + "open_file_cache_valid, open_file_cache_max, "
                        + "shutdown_delay, shutdown_timeout, pools, fastcgi_servers, routes, access_log, "
                        + "slow_request_timeout, admin, event_loops)",
                "pools.php.max_childs unknown key (known: " + String.join(", ", PoolSection.KEYS) + ")",
                "fastcgi_servers.fpm.keepalive unknown key (known: " + String.join(", ", FastCgiServerSection.KEYS)
                        + ")",
                "routes[0].cache unknown key (known: match, static, fastcgi, proxy)",
                "routes[0].match.glob unknown key (known: prefix, regex, extension)",
                "routes[0].static.rooot unknown key (known: root, index, try_files)");
    }

    @Test
    void writeAheadIsOffByDefaultOrADuration() throws Exception {
        assertThat(load(minimal("pools:\n  php: {command: [php-cgi]}")).pools().get(0).writeAhead()).isZero();
        assertThat(load(minimal("pools:\n  php: {command: [php-cgi], write_ahead: off}")).pools().get(0).writeAhead())
                .isZero();
        assertThat(load(minimal("pools:\n  php: {command: [php-cgi], write_ahead: 50ms}")).pools().get(0)
                .writeAhead()).isEqualTo(Duration.ofMillis(50));
    }

    @Test
    void writeAheadErrors() {
        assertThat(errors(minimal("""
                pools:
                  a: {command: [php-cgi], write_ahead: 0ms}
                  b: {command: [php-cgi], write_ahead: soon}
                  c: {command: [php-cgi], write_ahead: 20ms, keep_conn: off}
                  d: {command: [php-cgi], write_ahead: on}
                """))).containsExactly(
                "pools.a.write_ahead (\"0ms\") must be off or a positive duration like 50ms",
                "pools.b.write_ahead (\"soon\") is not a duration like 500ms, 30s, 5m, 1h",
                "pools.c.write_ahead (\"20ms\") needs keep_conn on",
                "pools.d.write_ahead (true) is not a duration like 500ms, 30s, 5m, 1h");
    }

    @Test
    void fastCgiServersWriteAheadIsOffByDefaultOrADuration() throws Exception {
        assertThat(load(minimal("fastcgi_servers:\n  fpm: {addresses: 127.0.0.1:9000}")).externalServers().get(0)
                .writeAhead()).isZero();
        assertThat(load(minimal("fastcgi_servers:\n  fpm: {addresses: 127.0.0.1:9000, keep_conn: on,"
                + " write_ahead: off}")).externalServers().get(0).writeAhead()).isZero();
        assertThat(load(minimal("fastcgi_servers:\n  fpm: {addresses: 127.0.0.1:9000, keep_conn: on,"
                + " write_ahead: 50ms}")).externalServers().get(0).writeAhead()).isEqualTo(Duration.ofMillis(50));
    }

    @Test
    void fastCgiServersWriteAheadErrors() {
        assertThat(errors(minimal("""
                fastcgi_servers:
                  a: {addresses: 127.0.0.1:9000, keep_conn: on, write_ahead: 0ms}
                  b: {addresses: 127.0.0.1:9000, keep_conn: on, write_ahead: soon}
                  c: {addresses: 127.0.0.1:9000, write_ahead: 20ms}
                  d: {addresses: 127.0.0.1:9000, keep_conn: on, write_ahead: on}
                """))).containsExactly(
                "fastcgi_servers.a.write_ahead (\"0ms\") must be off or a positive duration like 50ms",
                "fastcgi_servers.b.write_ahead (\"soon\") is not a duration like 500ms, 30s, 5m, 1h",
                "fastcgi_servers.c.write_ahead (\"20ms\") needs keep_conn: on (a request is written ahead on a kept"
                        + " connection)",
                "fastcgi_servers.d.write_ahead (true) is not a duration like 500ms, 30s, 5m, 1h");
    }

    @Test
    void fiveDifferentErrorsAreAllReported() {
        assertThat(errors("""
                root: %s
                listen: localhost
                keepalive_timeout: 30
                pools:
                  php:
                    command: [php-cgi]
                    max_children: 10
                    max_spare_servers: 12
                routes:
                  - match: {regex: "[a-"}
                    static: {}
                  - match: {extension: .php}
                    fastcgi: {upstream: phpx}
                """.formatted(dir))).containsExactly(
                "listen (\"localhost\") must be HOST:PORT, [IPv6]:PORT or :PORT with a port within 0..65535",
                "keepalive_timeout (30) needs a unit: ms, s, m, h or d (e.g. 30s)",
                "pools.php.max_spare_servers (12) cannot exceed max_children (10)",
                "routes[0].match.regex (\"[a-\") is not a valid regular expression: Illegal character range "
                        + "near index 3",
                "routes[1].fastcgi.upstream (\"phpx\") names no pool or fastcgi_server (defined: php)");
    }

    @Test
    void poolValidatorMessagesUseThisFilesKeyNamesAndValues() {
        assertThat(errors(minimal("""
                pools:
                  php:
                    command: /usr/bin/php-cgi
                    pm: ondemand
                    process_idle_timeout: 0
                    request_terminate_timeout: 0s
                    max_queue: -1
                    queue_timeout: 0ms
                    user: root
                    env: {1BAD: x}
                """))).containsExactly(
                "pools.php.process_idle_timeout (0) must be positive",
                "pools.php.max_queue (-1) cannot be negative",
                "pools.php.queue_timeout (\"0ms\") must be positive",
                "pools.php.user (\"root\") refusing to run children as root without allow_root",
                "pools.php.env.1BAD is not a valid variable name");
    }

    @Test
    void aBadValueDoesNotAlsoFailTheBoundsThatDependOnIt() {
        assertThat(errors(minimal("""
                pools:
                  php: {command: [php-cgi], max_children: ten, max_spare_servers: 8, start_servers: 99}
                """))).containsExactly(
                "pools.php.max_children (\"ten\") must be a whole number",
                "pools.php.start_servers (99) must be between min_spare_servers (1) and max_spare_servers (8)");
    }

    @Test
    void duplicatePoolNamesAreRefusedWithTheirLine() {
        assertThat(errors("""
                pools:
                  php: {command: [php-cgi]}
                  php: {command: [php-cgi8.2]}
                routes: []
                """)).singleElement().asString()
                .startsWith("line 3, column ").contains("is not valid YAML: Duplicate key 'php'");
    }

    @Test
    void aPoolAndAFastCgiServerCannotShareAName() {
        assertThat(errors(minimal("""
                pools:
                  php: {command: [php-cgi]}
                fastcgi_servers:
                  php: {addresses: [127.0.0.1:9000]}
                """))).containsExactly(
                "fastcgi_servers.php has the name of pools.php; upstream names must be unique");
    }

    @Test
    void routeNamingAnUnknownUpstream() {
        assertThat(errors("""
                root: %s
                routes:
                  - match: {extension: .php}
                    fastcgi: {upstream: php}
                """.formatted(dir))).containsExactly(
                "routes[0].fastcgi.upstream (\"php\") names no pool or fastcgi_server (none are defined)");
    }

    @Test
    void invalidValuesOfEachType() {
        assertThat(errors(minimal("""
                client_max_body_size: 0
                max_header_count: 99999999999
                max_request_line_size: 3g
                max_header_size: 10mb
                sendfile: maybe
                client_body_timeout: 0s
                gzip_min_length: 2m
                gzip_max_length: 1m
                server_name: "a b"
                pools:
                  p: {command: [x], pm: lazy, rlimit_files: 0, spawn_rate: 1.5}
                fastcgi_servers:
                  f: {addresses: [nowhere, "unix:relative", "::1:9000"], max_conns_per_server: 0}
                """))).containsExactly(
                "server_name (\"a b\") must be a host name",
                "client_max_body_size (0) must be at least 1 (nginx's 0 for unlimited is not supported; give a size)",
                "max_request_line_size (\"3g\") is too large (at most 2147483647 bytes)",
                "max_header_size (\"10mb\") is not a size like 512, 64k, 10m, 1g",
                "max_header_count (99999999999) is out of range (at most 2147483647)",
                "client_body_timeout (\"0s\") must be positive",
                "sendfile (\"maybe\") must be on or off",
                "gzip_max_length (\"1m\") cannot be less than gzip_min_length (2097152)",
                "pools.p.pm (\"lazy\") must be one of static, dynamic, ondemand",
                "pools.p.spawn_rate (1.5) must be a whole number",
                "pools.p.rlimit_files (0) must be at least 1",
                "fastcgi_servers.f.addresses[0] (\"nowhere\") must be unix:/path or host:port",
                "fastcgi_servers.f.addresses[1] (\"unix:relative\") unix socket path 'relative' must be absolute",
                "fastcgi_servers.f.addresses[2] (\"::1:9000\") an IPv6 address must be written [addr]:port",
                "fastcgi_servers.f.max_conns_per_server (0) must be at least 1");
    }

    @Test
    void routeShapes() {
        assertThat(errors("""
                root: %s
                routes:
                  - static: {}
                  - match: {prefix: /a, regex: a}
                    static: {}
                  - match: {prefix: a}
                    static: {}
                  - match: {prefix: /}
                    static: {}
                    proxy: {pass: "http://x/"}
                  - match: {extension: php}
                    proxy: {pass: "ftp://x/"}
                  - match: {prefix: /}
                    static: {try_files: [$uri, /index.php]}
                  - match: {prefix: /}
                    fastcgi: {params: {HTTP_PROXY: x}, trusted_proxies: [10.0.0.1/8]}
                  - "just text"
                """.formatted(dir))).containsExactly(
                "routes[0].match is required: one of prefix, regex, extension",
                "routes[1].match has prefix and regex; a match takes exactly one",
                "routes[2].match.prefix (\"a\") must start with '/'",
                "routes[3] has static and proxy; a route takes exactly one",
                "routes[4].match.extension (\"php\") must be extensions like .php (\"php\" is not one)",
                "routes[4].proxy.pass (\"ftp://x/\") must be an http:// or https:// URL with a host",
                "routes[5].static.try_files ([\"$uri\",\"/index.php\"]) must be [$uri, $uri/, =404] or "
                        + "[$uri, $uri/, /front-controller.php] (the order fcgate implements)",
                "routes[6].fastcgi.upstream is required: the name of a pool or fastcgi_server",
                "routes[6].fastcgi.params.HTTP_PROXY is refused: scripts would take it for a proxy setting "
                        + "(httpoxy, CVE-2016-5385)",
                "routes[6].fastcgi.trusted_proxies[0] (\"10.0.0.1/8\") has host bits set (network would be "
                        + "10.0.0.0/8)",
                "routes[7] (\"just text\") must be a mapping of match, static, fastcgi, proxy");
    }

    @Test
    void rootsAreRequiredAndMustOpen() {
        assertThat(errors("""
                routes:
                  - match: {prefix: /a}
                    static: {}
                  - match: {prefix: /b}
                    static: {root: missing-dir}
                """)).containsExactly(
                "routes[0].static.root is required here (no top-level root to inherit)",
                "routes[1].static.root (\"" + dir.resolve("missing-dir") + "\") cannot be opened: document root "
                        + dir.resolve("missing-dir") + " does not exist");
    }

    @Test
    void syntaxErrorsAndEmptyFiles() {
        assertThat(errors("routes: [\n")).singleElement().asString().startsWith("line ").contains("is not valid YAML");
        assertThat(errors("")).containsExactly("routes is required: the file is empty");
        assertThat(errors("- a\n- b\n")).singleElement().asString().startsWith(" ([\"a\",\"b\"]) must be a mapping");
        assertThat(errors("root: /tmp\n")).containsExactly("routes is required: at least one route");
    }

    @Test
    void missingFileIsOneError() {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> ConfigLoader.create().load(dir.resolve("nope.yaml")));
        assertThat(e.lines()).singleElement().asString().startsWith(dir.resolve("nope.yaml") + " cannot be read: ");
    }
}
