package org.fcgate.gateway.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The site {@code fcgate serve} runs without {@code --root}: a tiny document root shipped as resources (a page, a
 * static file and a {@code .app} script), with the sample legacy app from the same jar as its FastCGI pool.
 */
final class DemoSite {

    static final String SCRIPT_EXTENSION = ".app";
    /** The pool's name on the status pages, in metrics labels and logs: it runs the Java sample app, not PHP. */
    static final String POOL_NAME = "app";
    static final int CHILDREN = 2;
    private static final List<String> FILES = List.of("index.html", "hello.txt", "info.app");

    private DemoSite() {
    }

    /** Copies the site into a new private temp directory. */
    static Path extract() throws IOException {
        Path dir = Files.createTempDirectory("fcgate-demo-");
        for (String name : FILES) {
            try (InputStream in = DemoSite.class.getResourceAsStream("/org/fcgate/gateway/demo/" + name)) {
                if (in == null) {
                    throw new IOException("demo resource missing from the jar: " + name);
                }
                Files.copy(in, dir.resolve(name));
            }
        }
        return dir;
    }

    static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The pool command: this JVM's java running LegacyApp from this JVM's class path (the shaded fcgate.jar holds
     * fcgi-protocol), with a small heap; it accepts on fd 0.
     */
    static List<String> legacyAppCommand() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return List.of(java.toString(), "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "org.fcgate.fcgi.sample.LegacyApp");
    }
}
