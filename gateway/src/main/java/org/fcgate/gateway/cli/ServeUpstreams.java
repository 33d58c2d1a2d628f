package org.fcgate.gateway.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.fcgate.gateway.fastcgi.BackendAddress;
import org.fcgate.gateway.fastcgi.ExternalServerOptions;
import org.fcgate.gateway.fastcgi.FastCgiUpstream;
import org.fcgate.gateway.fastcgi.FastCgiUpstreamOptions;
import org.fcgate.gateway.upstream.Upstreams;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.config.SocketConvention;

/**
 * The upstream {@code serve} registers under the FastCGI route's name: a managed pool (its {@link PoolManager} is
 * owned here) or a group of external servers; none when neither is given and php-cgi is not on the PATH (502).
 */
final class ServeUpstreams implements AutoCloseable {

    /** Looked up on the PATH when neither --pool nor --fastcgi is given. */
    static final String DEFAULT_POOL_PROGRAM = "php-cgi";

    private final PoolManager manager;
    private final FastCgiUpstream upstream;
    private final String description;

    private ServeUpstreams(PoolManager manager, FastCgiUpstream upstream, String description) {
        this.manager = manager;
        this.upstream = upstream;
        this.description = description;
    }

    static ServeUpstreams start(ServeCommand o, boolean demo) {
        FastCgiUpstreamOptions options = o.upstreamOptions();
        if (o.backends.fastcgi != null) {
            ExternalServerOptions servers = ExternalServerOptions.of(o.upstream,
                    o.backends.fastcgi.stream().map(BackendAddress::parse).toList())
                    .withMaxConnections(o.fastcgiMaxConnections);
            return new ServeUpstreams(null, FastCgiUpstream.external(servers, options),
                    " (scripts → FastCGI " + String.join(", ", o.backends.fastcgi) + ")");
        }
        List<String> command;
        if (demo) {
            command = DemoSite.legacyAppCommand();
        } else if (o.backends.pool != null) {
            command = Arrays.asList(o.backends.pool.trim().split("\\s+"));
        } else if (onPath(DEFAULT_POOL_PROGRAM)) {
            command = List.of(DEFAULT_POOL_PROGRAM);
        } else {
            return new ServeUpstreams(null, null, " (no FastCGI backend: php-cgi is not on the PATH; scripts get 502)");
        }
        PoolConfig config = poolConfig(o, command, demo);
        PoolManager manager = PoolManager.create();
        try {
            Pool pool = manager.addPool(config);
            return new ServeUpstreams(manager, FastCgiUpstream.managed(pool, options),
                    " (scripts → pool '" + config.name() + "': " + (demo ? "sample legacy app" : String.join(" ",
                            command)) + ")");
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    static PoolConfig poolConfig(ServeCommand o, List<String> command, boolean demo) {
        boolean binds = command.stream().anyMatch(a -> a.contains("{socket}"));
        PoolConfig.Builder b = PoolConfig.builder(o.upstream, command)
                .convention(binds ? SocketConvention.BIND : SocketConvention.FD0);
        int max = o.children != null ? o.children : demo ? DemoSite.CHILDREN : -1;
        if (max > 0) {
            // Keep the dynamic sizing defaults (start 2, spare 1..3) within a small max_children.
            b.maxChildren(max).startServers(Math.min(2, max)).minSpareServers(1).maxSpareServers(Math.min(3, max));
        }
        if (o.maxRequests != null) {
            b.maxRequests(o.maxRequests);
        }
        if (o.requestTimeout != null) {
            b.requestTimeout(o.requestTimeout);
        }
        if (o.maxQueue != null) {
            b.queueMax(o.maxQueue);
        }
        if (o.queueTimeout != null) {
            b.queueTimeout(o.queueTimeout);
        }
        if (Path.of(command.get(0)).getFileName().toString().startsWith("php-cgi")) {
            // php-cgi must not fork its own children nor count requests: the pool manager does both.
            b.env(Map.of("PHP_FCGI_CHILDREN", "0", "PHP_FCGI_MAX_REQUESTS", "0"));
        }
        return b.build();
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    Upstreams upstreams() {
        return upstream == null ? Upstreams.none() : Upstreams.of(Map.of(upstream.name(), upstream));
    }

    /** The managed pools (none for external servers), for the admin listener. */
    java.util.Collection<Pool> pools() {
        return manager == null ? List.of() : manager.pools();
    }

    String describe() {
        return description;
    }

    @Override
    public void close() {
        if (upstream != null) {
            upstream.close();
        }
        if (manager != null) {
            manager.close();
        }
    }
}
