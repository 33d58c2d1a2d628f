package org.fcgate.gateway.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.fcgate.gateway.config.FastCgiAddress;
import org.fcgate.gateway.config.GatewayDefaults;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.config.SocketConvention;

/**
 * The upstream {@code serve}'s flags describe, as the same {@link UpstreamConfig} record a YAML file gives, so that
 * {@link UpstreamFactory} starts both alike: a managed pool ({@code --pool}, the demo's sample app, or php-cgi when
 * on the PATH) or external servers ({@code --fastcgi}); none when php-cgi is not found (scripts get 502).
 */
final class ServeUpstreams {

    /** Looked up on the PATH when neither --pool nor --fastcgi is given. */
    static final String DEFAULT_POOL_PROGRAM = "php-cgi";

    private ServeUpstreams() {
    }

    static Optional<UpstreamConfig> upstream(ServeCommand o, boolean demo) {
        if (o.backends.fastcgi != null) {
            List<FastCgiAddress> addresses = new ArrayList<>();
            for (String a : o.backends.fastcgi) {
                try {
                    addresses.add(FastCgiAddress.parse(a));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--fastcgi '" + a + "' " + e.getMessage(), e);
                }
            }
            return Optional.of(new UpstreamConfig.External(o.upstreamName(demo), addresses, o.fastcgiKeepConn,
                    o.fastcgiMaxConnections, GatewayDefaults.FASTCGI_IDLE_TIMEOUT, o.connectTimeout, o.readTimeout,
                    GatewayDefaults.FASTCGI_SEND_TIMEOUT));
        }
        List<String> command;
        if (demo) {
            command = DemoSite.legacyAppCommand();
        } else if (o.backends.pool != null) {
            command = Arrays.asList(o.backends.pool.trim().split("\\s+"));
        } else if (onPath(DEFAULT_POOL_PROGRAM)) {
            command = List.of(DEFAULT_POOL_PROGRAM);
        } else {
            return Optional.empty();
        }
        return Optional.of(new UpstreamConfig.ManagedPool(o.upstreamName(demo), poolConfig(o, command, demo),
                o.connectTimeout, o.readTimeout));
    }

    /** For the start-up line: where scripts go. */
    static String describe(Optional<UpstreamConfig> upstream, boolean demo) {
        if (upstream.isEmpty()) {
            return " (no FastCGI backend: php-cgi is not on the PATH; scripts get 502)";
        }
        if (upstream.get() instanceof UpstreamConfig.External e) {
            return " (scripts → FastCGI " + String.join(", ", e.addresses().stream().map(Object::toString).toList())
                    + (e.keepConn() ? ", kept connections" : "") + ")";
        }
        PoolConfig pool = ((UpstreamConfig.ManagedPool) upstream.get()).pool();
        return " (scripts → pool '" + pool.name() + "': " + (demo ? "sample legacy app"
                : String.join(" ", pool.command())) + ")";
    }

    static PoolConfig poolConfig(ServeCommand o, List<String> command, boolean demo) {
        boolean binds = command.stream().anyMatch(a -> a.contains("{socket}"));
        PoolConfig.Builder b = PoolConfig.builder(o.upstreamName(demo), command)
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
}
