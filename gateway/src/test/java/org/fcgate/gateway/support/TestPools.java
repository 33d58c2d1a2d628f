package org.fcgate.gateway.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fcgate.fcgi.sample.LegacyApp;
import org.fcgate.pool.PoolManager;
import org.fcgate.pool.spawn.OutputSink;

/** Pool managers for tests: a short private runtime directory (Unix socket paths are limited to 107 bytes). */
public final class TestPools {

    private TestPools() {
    }

    public static PoolManager manager() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "fcgw");
        Files.delete(dir); // the manager creates it itself, 0700
        return PoolManager.create(dir, OutputSink.logging());
    }

    /** The sample legacy app on fd 0, from fcgi-protocol's classes, in a small JVM. */
    public static List<String> legacyApp() throws Exception {
        Path classes = Path.of(LegacyApp.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return List.of(java.toString(), "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", classes.toString(), LegacyApp.class.getName());
    }
}
