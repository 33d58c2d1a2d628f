package org.fcgate.gateway.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.fastcgi.FastCgiUpstream;
import org.fcgate.gateway.fastcgi.FastCgiUpstreamOptions;
import org.fcgate.gateway.upstream.Upstream;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;
import org.fcgate.pool.config.PoolConfig;

/**
 * Managed pools behind the in-process gateway, as the forwarding ITs start them: a {@link TestPools#manager()}, its
 * pools, each routed by a script extension ({@link FastCgiUpstreamOptions#defaults()}), the scripts in a fresh
 * document root, and every pool's children idle before the first case. Closes the gateway before the pools.
 *
 * <pre>{@code
 * PoolsGateway g = PoolsGateway.builder("fcgate-kept")
 *         .pool("php", TestPools.phpCgiPool("php", 0).maxChildren(2), "<?php echo getmypid();")
 *         .start();
 * g.gateway().get("/x.php");
 * }</pre>
 */
public final class PoolsGateway implements AutoCloseable {

    private final PoolManager manager;
    private final Map<String, Pool> pools;
    private final ForwardingGateway gateway;

    private PoolsGateway(PoolManager manager, Map<String, Pool> pools, ForwardingGateway gateway) {
        this.manager = manager;
        this.pools = pools;
        this.gateway = gateway;
    }

    /** @param rootPrefix the prefix of the document root's temporary directory */
    public static Builder builder(String rootPrefix) {
        return new Builder(rootPrefix);
    }

    public ForwardingGateway gateway() {
        return gateway;
    }

    /** The pool named {@code name}. */
    public Pool pool(String name) {
        Pool p = pools.get(name);
        if (p == null) {
            throw new NoSuchElementException("no pool " + name + " (pools: " + pools.keySet() + ")");
        }
        return p;
    }

    /** Every pool, in the order added. */
    public Collection<Pool> pools() {
        return pools.values();
    }

    /** Waits until each pool has all its {@code max_children} idle. */
    public void awaitIdle() {
        for (Pool p : pools.values()) {
            TestPools.awaitIdle(p);
        }
    }

    /** After each case: a canary on a fresh connection, then every child of every pool idle. */
    public void invariants() throws Exception {
        gateway.canary();
        awaitIdle();
    }

    @Override
    public void close() throws Exception {
        Resources.closeInOrder(gateway, manager);
    }

    /** What to start: pools, the extension that routes to each, and the files of the document root. */
    public static final class Builder {

        private final String rootPrefix;
        private final List<PoolConfig.Builder> configs = new ArrayList<>();
        /** pool name → script extensions routed to it */
        private final Map<String, List<String>> extensions = new HashMap<>();
        private final Map<String, String> files = new LinkedHashMap<>();
        private HttpLimits limits = HttpLimits.defaults();

        private Builder(String rootPrefix) {
            this.rootPrefix = rootPrefix;
        }

        /** Pool {@code name}: script {@code x.NAME} holds {@code script}, extension {@code .NAME} routes to it. */
        public Builder pool(String name, PoolConfig.Builder config, String script) {
            return pool(name, "." + name, config).file("x." + name, script);
        }

        /** Pool {@code name} (as {@code config} names it), reached by scripts with {@code extension}. */
        public Builder pool(String name, String extension, PoolConfig.Builder config) {
            configs.add(config);
            extensions.computeIfAbsent(name, k -> new ArrayList<>()).add(extension);
            return this;
        }

        /** A file of the document root, {@code path} relative to it. */
        public Builder file(String path, String text) {
            files.put(path, text);
            return this;
        }

        public Builder limits(HttpLimits limits) {
            this.limits = limits;
            return this;
        }

        /** Starts it all and waits for every child to be idle; on any failure, closes what was started. */
        public PoolsGateway start() throws Exception {
            PoolManager manager = TestPools.manager();
            ForwardingGateway gateway = null;
            try {
                Map<String, Pool> pools = new LinkedHashMap<>();
                Map<String, Upstream> routes = new HashMap<>();
                for (PoolConfig.Builder b : configs) {
                    Pool p = manager.addPool(b.build());
                    String name = p.config().name();
                    List<String> exts = extensions.get(name);
                    if (exts == null) {
                        throw new IllegalArgumentException("pool " + name + " is not the name it was added as ("
                                + extensions.keySet() + ")");
                    }
                    pools.put(name, p);
                    FastCgiUpstream upstream = FastCgiUpstream.managed(p, FastCgiUpstreamOptions.defaults());
                    for (String ext : exts) {
                        routes.put(ext, upstream);
                    }
                }
                Path root = Files.createTempDirectory(rootPrefix);
                for (Map.Entry<String, String> f : files.entrySet()) {
                    ForwardingGateway.write(root.resolve(f.getKey()), f.getValue());
                }
                gateway = ForwardingGateway.start(root, routes, limits);
                PoolsGateway started = new PoolsGateway(manager, pools, gateway);
                started.awaitIdle();
                return started;
            } catch (Exception | AssertionError e) {
                try {
                    Resources.closeInOrder(gateway, manager);
                } catch (Exception | AssertionError suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }
    }
}
