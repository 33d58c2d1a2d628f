package org.fcgate.gateway.support;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.fcgate.fcgi.sample.LegacyApp;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.spawn.OutputSink;
import org.fcgate.pool.status.ChildState;

/** Pool managers for tests: a short private runtime directory (Unix socket paths are limited to 107 bytes). */
public final class TestPools {

    /** How long a pool gets to have its children idle (JVM children on a loaded CI machine start slowly). */
    public static final Duration IDLE_PATIENCE = Duration.ofSeconds(30);

    private TestPools() {
    }

    public static PoolManager manager() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "fcgw");
        Files.delete(dir); // the manager creates it itself, 0700
        return PoolManager.create(dir, OutputSink.logging());
    }

    /** {@link #manager()} as the factory {@code RunningGateway}, {@code RunCommand} and the pool server take. */
    public static Supplier<PoolManager> managers() {
        return () -> {
            try {
                return manager();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /** The sample legacy app on fd 0, from fcgi-protocol's classes, in a small JVM. */
    public static List<String> legacyApp() throws Exception {
        Path classes = Path.of(LegacyApp.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return List.of(java.toString(), "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", classes.toString(), LegacyApp.class.getName());
    }

    /** A static pool {@code name} of {@code maxChildren} sample-app children on fd 0; the caller adds the rest. */
    public static PoolConfig.Builder legacyAppPool(String name, int maxChildren) throws Exception {
        return PoolConfig.builder(name, legacyApp()).pm(PmMode.STATIC).maxChildren(maxChildren);
    }

    /**
     * A static pool {@code name} of php-cgi 8.2 children, each serving on fd 0 itself ({@code PHP_FCGI_CHILDREN=0})
     * and exiting after {@code maxRequests} requests ({@code PHP_FCGI_MAX_REQUESTS}; 0: never); the caller adds the
     * rest, {@code maxChildren} first.
     */
    public static PoolConfig.Builder phpCgiPool(String name, int maxRequests) {
        return PoolConfig.builder(name, List.of("/usr/bin/php-cgi8.2")).pm(PmMode.STATIC)
                .env("PHP_FCGI_CHILDREN", "0").env("PHP_FCGI_MAX_REQUESTS", Integer.toString(maxRequests));
    }

    /** {@link #legacyApp()} as a YAML flow list, for a pool's {@code command:} key. */
    public static String legacyAppYaml() throws Exception {
        return yamlList(legacyApp());
    }

    /** A YAML flow list of double-quoted strings (paths hold no quotes or backslashes here). */
    public static String yamlList(List<String> items) {
        return items.stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", ", "[", "]"));
    }

    /** Waits ({@link #IDLE_PATIENCE} at most) until all of {@code pool}'s {@code max_children} are idle. */
    public static void awaitIdle(Pool pool) {
        awaitIdle(pool, pool.config().maxChildren());
    }

    /** Waits ({@link #IDLE_PATIENCE} at most) until {@code pool} has exactly {@code idle} idle children. */
    public static void awaitIdle(Pool pool, int idle) {
        await().atMost(IDLE_PATIENCE).until(() -> pool.snapshot().count(ChildState.IDLE) == idle);
    }
}
