package org.fcgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.fcgate.gateway.accesslog.SlowRequestLog;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.fastcgi.FastCgiUpstream;
import org.fcgate.gateway.fastcgi.FastCgiUpstreamOptions;
import org.fcgate.gateway.http.HttpServer;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.route.PathMatcher;
import org.fcgate.gateway.route.Route;
import org.fcgate.gateway.support.ForwardingGateway;
import org.fcgate.gateway.support.LeakTracker;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.gateway.upstream.Upstreams;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;

/**
 * The set-up of the R70 runs: one managed pool of two children behind the real HTTP listener (its files routed by
 * extension, the rest static), and the admin listener with the slow-request log, both on kernel-chosen ports.
 * {@link #close} stops all of it, removes the document root and checks for Netty buffer leaks.
 */
final class R70Gateway implements AutoCloseable {

    /** A check of the admin listener before the public one starts. */
    interface BeforeListening {
        void check(Observability admin) throws Exception;
    }

    final PoolManager manager;
    final Pool pool;
    final Path root;
    final Observability observability;
    final HttpServer server;

    private R70Gateway(PoolManager manager, Pool pool, Path root, Observability observability, HttpServer server) {
        this.manager = manager;
        this.pool = pool;
        this.root = root;
        this.observability = observability;
        this.server = server;
    }

    /**
     * Serves {@code pool} (of {@code manager}, which {@link #close} closes) for {@code extension} under a new root
     * holding {@code files}; {@code beforeListening} sees the admin listener before the public one starts. The admin
     * listener is not marked running: the caller does it once its checks of start-up are done.
     */
    static R70Gateway start(PoolManager manager, Pool pool, Map<String, String> files, String extension,
                            Duration slow, int eventLoops, BeforeListening beforeListening) throws Exception {
        Path root = Files.createTempDirectory("fcgate-r70");
        Observability observability = null;
        HttpServer server = null;
        try {
            for (Map.Entry<String, String> f : files.entrySet()) {
                ForwardingGateway.write(root.resolve(f.getKey()), f.getValue());
            }
            DocumentRoot docRoot = DocumentRoot.open(root, false, true);
            List<Route> routes = List.of(
                    new Route.FastCgi(new PathMatcher.Extension(Set.of(extension)), docRoot, Set.of(extension),
                            pool.name()),
                    new Route.Static(new PathMatcher.Prefix("/"), docRoot, List.of("index.html"), Optional.empty()));
            GatewayConfig config = new GatewayConfig(new ListenAddress("127.0.0.1", 0),
                    new HttpLimits(8192, 32768, 100, 1 << 20, 1024), Timeouts.defaults(), StaticOptions.defaults(),
                    routes, List.of(), List.of(), eventLoops);
            observability = Observability.start(new ListenAddress("127.0.0.1", 0), List.of(pool));
            beforeListening.check(observability);
            server = HttpServer.start(config, Upstreams.of(Map.of(pool.name(),
                    FastCgiUpstream.managed(pool, FastCgiUpstreamOptions.defaults()))),
                    observability.pipelineHook(List.of(), new SlowRequestLog(slow)));
            TestPools.awaitIdle(pool, 2);
            return new R70Gateway(manager, pool, root, observability, server);
        } catch (Exception | AssertionError e) {
            if (server != null) {
                server.close();
            }
            if (observability != null) {
                observability.close();
            }
            manager.close();
            delete(root);
            throw e;
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        observability.close();
        manager.close();
        delete(root);
        assertThat(LeakTracker.collect()).as("Netty buffer leaks").isEmpty();
    }

    private static void delete(Path root) throws java.io.IOException {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
