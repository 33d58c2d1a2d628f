package org.fcgate.gateway.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.route.PathMatcher;
import org.fcgate.gateway.route.Route;

/** A document root with the files the reliability cases ask for, and the route table {@code fcgate serve} uses. */
public final class TestSite {

    public static final String BIG_TEXT = "0123456789abcdef".repeat(64 * 1024 / 16);

    private TestSite() {
    }

    public static Path create(Path dir) throws IOException {
        write(dir.resolve("index.html"), "<h1>index</h1>\n");
        write(dir.resolve("static.txt"), "static\n");
        write(dir.resolve("a.txt"), "aaa\n");
        write(dir.resolve("b.txt"), "bbb\n");
        write(dir.resolve("big.txt"), BIG_TEXT);
        write(dir.resolve("sub/test.php"), "<?php echo 'test';\n");
        write(dir.resolve("index.php"), "<?php echo 'front';\n");
        write(dir.resolve("uploads/avatar.jpg"), "<?php echo \"PWN\";\n");
        write(dir.resolve(".env"), "SECRET=1\n");
        write(dir.resolve("docs/index.html"), "<h1>docs</h1>\n");
        write(dir.resolve("foo/bar/x.txt"), "x\n");
        write(dir.resolve("foo/index.html"), "<h1>foo</h1>\n");
        Files.createSymbolicLink(dir.resolve("escape.txt"), Path.of("/etc/hostname"));
        Files.createSymbolicLink(dir.resolve("uploads/evil.php"), dir.resolve("uploads/avatar.jpg"));
        return dir;
    }

    private static void write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    public static GatewayConfig config(Path root, HttpLimits limits, Timeouts timeouts) {
        DocumentRoot docRoot;
        try {
            docRoot = DocumentRoot.open(root, false, true);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new GatewayConfig(new ListenAddress("127.0.0.1", 0), limits, timeouts, StaticOptions.defaults(),
                List.of(new Route.FastCgi(new PathMatcher.Extension(Set.of(".php")), docRoot, Set.of(".php"), "php"),
                        new Route.Static(new PathMatcher.Prefix("/"), docRoot, List.of("index.html"),
                                Optional.empty())));
    }
}
