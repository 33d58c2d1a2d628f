package org.fcgate.gateway.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.GatewayDefaults;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.http.HttpServer;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.route.PathMatcher;
import org.fcgate.gateway.route.Route;
import org.fcgate.gateway.upstream.Upstreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fcgate serve}: static files from one root, with a FastCGI route for scripts whose upstream is not
 * configured yet (502) — phase 1 of the gateway. Defaults come from {@link GatewayDefaults}.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Serve a document root over HTTP/1.1; scripts go to a FastCGI route.")
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--root", required = true, paramLabel = "DIR", description = "Document root.")
    Path root;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Listen address.")
    String listen = GatewayDefaults.LISTEN_HOST + ":" + GatewayDefaults.LISTEN_PORT;

    @Option(names = "--index", split = ",", paramLabel = "FILE", description = "Index files, in order.")
    List<String> index = new ArrayList<>(GatewayDefaults.INDEX_FILES);

    @Option(names = "--front-controller", paramLabel = "PATH",
            description = "try-files fallback when no file matches, e.g. /index.php (default: none, 404).")
    String frontController;

    @Option(names = "--script-ext", split = ",", paramLabel = "EXT", description = "Script extensions.")
    List<String> scriptExtensions = new ArrayList<>(GatewayDefaults.SCRIPT_EXTENSIONS);

    @Option(names = "--upstream", paramLabel = "NAME", description = "Upstream name of the FastCGI route.")
    String upstream = "php";

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

    @Override
    public Integer call() throws IOException, InterruptedException {
        GatewayConfig config = toConfig();
        HttpServer server = HttpServer.start(config, Upstreams.none());
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "fcgate-shutdown"));
        server.awaitClose();
        return 0;
    }

    /** The config these options describe; opens (and so checks) the document root. */
    GatewayConfig toConfig() throws IOException {
        DocumentRoot docRoot = DocumentRoot.open(root, allowSymlinksOutsideRoot, !serveDotfiles);
        LinkedHashSet<String> exts = new LinkedHashSet<>(scriptExtensions);
        List<Route> routes = List.of(
                new Route.FastCgi(new PathMatcher.Extension(exts), docRoot, exts, upstream),
                new Route.Static(new PathMatcher.Prefix("/"), docRoot, index, Optional.ofNullable(frontController)));
        return new GatewayConfig(ListenAddress.parse(listen),
                new HttpLimits(maxRequestLine, maxHeaderBytes, maxHeaders, maxBody,
                        GatewayDefaults.MAX_CHUNK_LINE_BYTES),
                new Timeouts(headerTimeout, bodyTimeout, keepAliveTimeout),
                StaticOptions.defaults().withSendfile(!noSendfile),
                routes);
    }
}
