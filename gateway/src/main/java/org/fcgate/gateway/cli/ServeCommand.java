package org.fcgate.gateway.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.Map;
import org.fcgate.gateway.accesslog.AccessLogFormat;
import org.fcgate.gateway.accesslog.AccessLogOptions;
import org.fcgate.gateway.config.Cidr;
import org.fcgate.gateway.config.FastCgiOptions;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.GatewayDefaults;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.ShutdownOptions;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.fastcgi.ExternalServerOptions;
import org.fcgate.gateway.fastcgi.FastCgiUpstreamOptions;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.route.PathMatcher;
import org.fcgate.gateway.route.Route;
import org.fcgate.pool.PoolManager;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fcgate serve}: static files from one root, with a FastCGI route for scripts, forwarded to a managed pool
 * ({@code --pool}, default php-cgi when on the PATH) or to external FastCGI servers ({@code --fastcgi}). Without
 * {@code --root} it serves the bundled demo site with the sample legacy app as its pool. Defaults come from
 * {@link GatewayDefaults}, {@link FastCgiUpstreamOptions}, {@link ExternalServerOptions} and {@code PoolConfig}.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Serve a document root over HTTP/1.1; scripts go to a FastCGI pool or server. "
                + "Without --root: the bundled demo site.")
public final class ServeCommand implements Callable<Integer> {

    /** The FastCGI route's upstream (and pool) name without {@code --upstream}, except for the demo. */
    static final String DEFAULT_UPSTREAM = "php";

    @Option(names = "--root", paramLabel = "DIR", description = "Document root (default: the bundled demo site).")
    Path root;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Listen address.")
    String listen = GatewayDefaults.LISTEN_HOST + ":" + GatewayDefaults.LISTEN_PORT;

    @picocli.CommandLine.Mixin
    AdminFlags admin = new AdminFlags();

    @Option(names = "--shutdown-delay", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "After SIGTERM, keep accepting this long while readiness fails (Kubernetes: ~5s).")
    Duration shutdownDelay = ShutdownOptions.DEFAULT_DELAY;

    @Option(names = "--shutdown-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "After the listener closed, requests in flight get this long; then they are aborted.")
    Duration shutdownTimeout = ShutdownOptions.DEFAULT_TIMEOUT;

    @Option(names = "--access-log", paramLabel = "PATH|stdout|off",
            description = "Access log destination: a file (appended to; reopened on SIGUSR1), stdout or off.")
    String accessLog = "stdout";

    @Option(names = "--access-log-format", paramLabel = "combined|json", description = "Access log line format.")
    String accessLogFormat = "combined";

    @Option(names = "--slow-request-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Log a request still with its upstream after this long, once, at WARN (default: off).")
    Duration slowRequestTimeout = Duration.ZERO;

    @Option(names = "--index", split = ",", paramLabel = "FILE", description = "Index files, in order.")
    List<String> index = new ArrayList<>(GatewayDefaults.INDEX_FILES);

    @Option(names = "--front-controller", paramLabel = "PATH",
            description = "try-files fallback when no file matches, e.g. /index.php (default: none, 404).")
    String frontController;

    @Option(names = "--script-ext", split = ",", paramLabel = "EXT", description = "Script extensions.")
    List<String> scriptExtensions = new ArrayList<>(GatewayDefaults.SCRIPT_EXTENSIONS);

    @Option(names = "--upstream", paramLabel = "NAME",
            description = "Upstream (and pool) name of the FastCGI route (default: php; the demo's pool: app).")
    String upstream;

    @Option(names = "--allow-symlinks-outside-root", description = "Serve symlinks whose target is outside the root.")
    boolean allowSymlinksOutsideRoot = GatewayDefaults.ALLOW_SYMLINKS_OUTSIDE_ROOT;

    @Option(names = "--serve-dotfiles", description = "Serve paths with segments starting with '.'.")
    boolean serveDotfiles = !GatewayDefaults.DENY_DOTFILES;

    @Option(names = "--no-sendfile", description = "Copy file bytes through user space instead of sendfile(2).")
    boolean noSendfile = !GatewayDefaults.SENDFILE;

    @Option(names = "--max-request-line", paramLabel = "BYTES", description = "Request line limit (414).")
    int maxRequestLine = GatewayDefaults.MAX_REQUEST_LINE_BYTES;

    @Option(names = "--max-header-bytes", paramLabel = "BYTES", description = "Header section limit (431).")
    int maxHeaderBytes = GatewayDefaults.MAX_HEADER_BYTES;

    @Option(names = "--max-headers", paramLabel = "N", description = "Header line limit (431).")
    int maxHeaders = GatewayDefaults.MAX_HEADER_COUNT;

    @Option(names = "--max-connections-per-ip", paramLabel = "N",
            description = "Connections open at once per client IP; more are closed at accept. 0: unlimited.")
    int maxConnectionsPerIp = GatewayDefaults.MAX_CONNECTIONS_PER_IP;

    @Option(names = "--max-body", paramLabel = "BYTES", description = "Request body limit (413).")
    long maxBody = GatewayDefaults.MAX_BODY_BYTES;

    @Option(names = "--header-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Whole request head (408 when partial).")
    Duration headerTimeout = GatewayDefaults.HEADER_TIMEOUT;

    @Option(names = "--body-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Silence between body reads (408).")
    Duration bodyTimeout = GatewayDefaults.BODY_TIMEOUT;

    @Option(names = "--keepalive-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Idle keep-alive connection (closed).")
    Duration keepAliveTimeout = GatewayDefaults.KEEPALIVE_TIMEOUT;

    @ArgGroup(exclusive = true)
    Backends backends = new Backends();

    /** Where scripts go: a managed pool command, or external FastCGI servers. */
    static final class Backends {
        @Option(names = "--pool", paramLabel = "'COMMAND ARGS'",
                description = "Managed pool command (split at spaces). The child gets its listen socket as fd 0, or "
                        + "binds {socket} when the command holds it. Default: php-cgi when on the PATH.")
        String pool;

        @Option(names = "--fastcgi", paramLabel = "ADDRESS", split = ",",
                description = "External FastCGI server(s), unix:/path or host:port, used round-robin.")
        List<String> fastcgi;
    }

    @Option(names = "--children", paramLabel = "N", description = "Pool: max_children (default 5).")
    Integer children;

    @Option(names = "--max-requests", paramLabel = "N", description = "Pool: recycle a child after N requests "
            + "(default 0: never).")
    Integer maxRequests;

    @Option(names = "--request-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Pool: request_timeout, then 504 and the child is killed (default: off).")
    Duration requestTimeout;

    @Option(names = "--max-queue", paramLabel = "N", description = "Pool: queue_max, beyond it 503 (default 100).")
    Integer maxQueue;

    @Option(names = "--queue-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Pool: longest wait for a child, then 503 (default 5s).")
    Duration queueTimeout;

    @Option(names = "--fastcgi-max-connections", paramLabel = "N",
            description = "External: connections per server (busy + kept idle).")
    int fastcgiMaxConnections = ExternalServerOptions.DEFAULT_MAX_CONNECTIONS;

    @Option(names = "--fastcgi-keep-conn", description = "External: FCGI_KEEP_CONN and reused connections; then keep "
            + "--fastcgi-max-connections at or below the server's pm.max_children.")
    boolean fastcgiKeepConn = ExternalServerOptions.DEFAULT_KEEP_ALIVE;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Connecting to a child or server (refused: 502 at once; no answer: 504).")
    Duration connectTimeout = FastCgiUpstreamOptions.DEFAULT_CONNECT_TIMEOUT;

    @Option(names = "--read-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Backend silent this long during a request: 504.")
    Duration readTimeout = FastCgiUpstreamOptions.DEFAULT_READ_TIMEOUT;

    @Option(names = "--stream-request-body", description = "Send bodies of known length to the backend as they "
            + "arrive instead of buffering them first.")
    boolean streamRequestBody = FastCgiUpstreamOptions.DEFAULT_STREAM_REQUEST_BODY;

    @Option(names = "--no-response-buffering", description = "Read the backend only as fast as the client reads.")
    boolean noResponseBuffering = !FastCgiUpstreamOptions.DEFAULT_BUFFER_RESPONSE;

    @Option(names = "--server-name", paramLabel = "NAME", description = "SERVER_NAME (default: the request's Host).")
    String serverName;

    @Option(names = "--trusted-proxy", paramLabel = "CIDR", split = ",",
            description = "Peers whose X-Forwarded-For sets REMOTE_ADDR (default: none).")
    List<String> trustedProxies = new ArrayList<>();

    @Override
    public Integer call() throws IOException, InterruptedException {
        boolean demo = root == null;
        if (demo && (backends.pool != null || backends.fastcgi != null)) {
            throw new IllegalArgumentException("--pool and --fastcgi need --root (without it, serve runs the demo)");
        }
        Path siteRoot = demo ? DemoSite.extract() : root;
        Runnable removeDemoSite = demo ? () -> DemoSite.delete(siteRoot) : () -> { };
        GatewayConfig config;
        RunningGateway gateway;
        try {
            config = toConfig(siteRoot, demo);
            gateway = RunningGateway.start(config, PoolManager::create, admin.options(), accessLogOptions(),
                    new ShutdownOptions(shutdownDelay, shutdownTimeout));
        } catch (IOException | InterruptedException | RuntimeException e) {
            removeDemoSite.run();
            throw e;
        }
        try (gateway) {
            String host = config(listen).host();
            String shown = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1"
                    : host.indexOf(':') >= 0 ? "[" + host + "]" : host;
            System.out.println("fcgate: " + (demo ? "demo site" : "serving " + root) + " on http://" + shown + ":"
                    + gateway.port() + "/" + ServeUpstreams.describe(config.upstreams().stream().findFirst(), demo));
            System.out.flush();
            // The demo site goes before the shutdown hook lets the JVM halt.
            gateway.serveUntilShutdown(removeDemoSite);
        }
        return 0;
    }

    /** {@code --upstream}, else {@value #DEFAULT_UPSTREAM}, or {@value DemoSite#POOL_NAME} for the demo's Java pool. */
    String upstreamName(boolean demo) {
        return upstream != null ? upstream : demo ? DemoSite.POOL_NAME : DEFAULT_UPSTREAM;
    }

    /** {@code --access-log}, {@code --access-log-format}, {@code --slow-request-timeout}; paths relative to the cwd. */
    AccessLogOptions accessLogOptions() {
        return AccessLogOptions.defaults().withDestination(accessLog, Path.of(""))
                .withFormat(AccessLogFormat.parse(accessLogFormat)).withSlowRequestTimeout(slowRequestTimeout);
    }

    private static ListenAddress config(String listen) {
        return ListenAddress.parse(listen);
    }

    /** The config these options describe; opens (and so checks) the document root. */
    GatewayConfig toConfig() throws IOException {
        if (root == null) {
            throw new IllegalArgumentException("--root is required here");
        }
        return toConfig(root, false);
    }

    private GatewayConfig toConfig(Path siteRoot, boolean demo) throws IOException {
        DocumentRoot docRoot = DocumentRoot.open(siteRoot, allowSymlinksOutsideRoot, !serveDotfiles);
        LinkedHashSet<String> exts = new LinkedHashSet<>(demo ? List.of(DemoSite.SCRIPT_EXTENSION) : scriptExtensions);
        List<Route> routes = List.of(
                new Route.FastCgi(new PathMatcher.Extension(exts), docRoot, exts, upstreamName(demo), fastCgiOptions()),
                new Route.Static(new PathMatcher.Prefix("/"), docRoot, index, Optional.ofNullable(frontController)));
        return new GatewayConfig(ListenAddress.parse(listen),
                new HttpLimits(maxRequestLine, maxHeaderBytes, maxHeaders, maxBody,
                        GatewayDefaults.MAX_CHUNK_LINE_BYTES, maxConnectionsPerIp),
                new Timeouts(headerTimeout, bodyTimeout, keepAliveTimeout),
                StaticOptions.defaults().withSendfile(!noSendfile),
                routes, serverName == null ? List.of() : List.of(serverName),
                ServeUpstreams.upstream(this, demo).stream().toList());
    }

    /** The script route's options, as a YAML route's {@code fastcgi:} section would give them. */
    private FastCgiOptions fastCgiOptions() {
        List<Cidr> proxies = trustedProxies.stream().map(String::trim).map(Cidr::parse).toList();
        return new FastCgiOptions(Map.of(), !streamRequestBody, !noResponseBuffering,
                GatewayDefaults.FASTCGI_INDEX_FILES, Optional.empty(), proxies);
    }
}
