package org.fcgate.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Function;
import java.util.stream.Stream;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.http.HttpServer;
import org.fcgate.gateway.upstream.Upstreams;

/**
 * The real gateway, in process, on 127.0.0.1 and a kernel-chosen port, serving a {@link TestSite}. One per test
 * class; {@link #canary()} is the INV check that the server still answers a fresh connection.
 */
public final class GatewayExtension implements AutoCloseable {

    static {
        LeakTracker.install();
    }

    private final Path root;
    private final HttpServer server;

    private GatewayExtension(Path root, HttpServer server) {
        this.root = root;
        this.server = server;
    }

    public static GatewayExtension start(Function<Path, GatewayConfig> config) throws Exception {
        Path root = TestSite.create(Files.createTempDirectory("fcgate-site"));
        return new GatewayExtension(root, HttpServer.start(config.apply(root), Upstreams.none()));
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
