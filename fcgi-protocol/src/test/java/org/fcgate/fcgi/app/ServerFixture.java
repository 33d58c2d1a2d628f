package org.fcgate.fcgi.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.fcgi.params.Params;

/** An in-process {@link FcgiServer} on a real socket, stopped and checked for leaked threads by {@link #close()}. */
final class ServerFixture implements AutoCloseable {

    /** Both transports the runtime accepts on. */
    enum Transport {
        UNIX, TCP;

        FcgiEndpoint endpoint(Path dir) {
            return this == UNIX
                    ? FcgiEndpoint.unix(dir.resolve("app.sock"))
                    : FcgiEndpoint.tcp(new InetSocketAddress("127.0.0.1", 0));
        }
    }

    /** Bounds every read and write of a test client: a hung server fails the test instead of hanging it. */
    static final Duration IO_TIMEOUT = Duration.ofSeconds(30);

    private final FcgiServer server;
    private final Thread thread;
    private final SocketAddress address;

    private ServerFixture(FcgiServer server) throws IOException {
        this.server = server;
        this.address = server.localAddress();
        this.thread = server.start();
    }

    static ServerFixture start(Transport transport, Path dir, FcgiHandler handler) throws IOException {
        return start(FcgiServer.builder().handler(handler), transport, dir);
    }

    static ServerFixture start(FcgiServer.Builder builder, Transport transport, Path dir) throws IOException {
        return new ServerFixture(builder.endpoint(transport.endpoint(dir)).build());
    }

    /** CGI params of a simple GET. */
    static Params params(String query) {
        return Params.builder()
                .add("SCRIPT_FILENAME", "/srv/app/index.fcgi")
                .add("REQUEST_METHOD", "GET")
                .add("QUERY_STRING", query)
                .build();
    }

    FcgiServer server() {
        return server;
    }

    SocketAddress address() {
        return address;
    }

    FcgiConnection connect() throws IOException {
        return FcgiConnection.open(address, IO_TIMEOUT);
    }

    @Override
    public void close() throws IOException {
        server.stop();
        await().until(() -> !thread.isAlive());
        assertThat(server.state()).isEqualTo(FcgiServer.State.STOPPED);
        // Leak check: every connection's reader thread was joined.
        await().until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("fcgi-conn-")));
    }
}
