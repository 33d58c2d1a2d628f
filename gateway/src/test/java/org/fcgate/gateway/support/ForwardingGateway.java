package org.fcgate.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.http.HttpServer;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.route.PathMatcher;
import org.fcgate.gateway.route.Route;
import org.fcgate.gateway.upstream.Upstream;
import org.fcgate.gateway.upstream.Upstreams;

/**
 * The real gateway in process with FastCGI routes: one per script extension, each to the upstream of that name, then
 * static files. The document root holds {@code static.txt} (the canary) plus what the test writes.
 */
public final class ForwardingGateway implements AutoCloseable {

    static {
        LeakTracker.install();
    }

    private final Path root;
    private final HttpServer server;

    private ForwardingGateway(Path root, HttpServer server) {
        this.root = root;
        this.server = server;
    }

    /** @param routes script extension (".php") → upstream */
    public static ForwardingGateway start(Path root, Map<String, Upstream> routes, HttpLimits limits)
            throws Exception {
        write(root.resolve("static.txt"), "static\n");
        DocumentRoot docRoot = DocumentRoot.open(root, false, true);
        List<Route> table = new java.util.ArrayList<>();
        java.util.Map<String, Upstream> byName = new java.util.HashMap<>();
        routes.forEach((ext, upstream) -> {
            table.add(new Route.FastCgi(new PathMatcher.Extension(Set.of(ext)), docRoot, Set.of(ext),
                    upstream.name()));
            byName.put(upstream.name(), upstream);
        });
        table.add(new Route.Static(new PathMatcher.Prefix("/"), docRoot, List.of("index.html"), Optional.empty()));
        GatewayConfig config = new GatewayConfig(new ListenAddress("127.0.0.1", 0), limits, Timeouts.defaults(),
                StaticOptions.defaults(), table);
        return new ForwardingGateway(root, HttpServer.start(config, Upstreams.of(byName)));
    }

    public static void write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    public int port() {
        return server.port();
    }

    public Path root() {
        return root;
    }

    public RawClient connect() throws IOException {
        return new RawClient(port());
    }

    /** {@code GET target} with {@code Host: a} on a fresh connection, closed once the response is read. */
    public RawClient.Response get(String target) throws IOException {
        try (RawClient c = connect()) {
            return c.send("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n").read();
        }
    }

    /** {@code GET target} with {@code Host: a} on a new connection, left open for the caller to read and close. */
    public RawClient send(String target) throws IOException {
        return connect().send("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    /** INV (2): a canary request on a fresh connection returns 200. */
    public void canary() throws IOException {
        try (RawClient c = connect()) {
            RawClient.Response r = c.send("GET /static.txt HTTP/1.1\r\nHost: canary\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("static\n");
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertThat(LeakTracker.collect()).as("Netty buffer leaks").isEmpty();
    }
}
