package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.support.ForwardingGateway;
import org.fcgate.gateway.support.LogCapture;
import org.fcgate.gateway.support.RawClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * External FastCGI servers that exist but do not take connections (R60, R61): a TCP listener on 127.0.0.1 whose
 * accept queue is full (SYNs dropped: a black hole, without leaving loopback) and a Unix socket listener whose
 * backlog is full (a non-blocking connect fails at once with EAGAIN, as php-fpm's socket does under load). Neither
 * listener ever accepts; both queues are filled before the gateway starts.
 */
class UnreachableBackendIT {

    private static final List<AutoCloseable> held = new ArrayList<>();
    private static ForwardingGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        Path root = Files.createTempDirectory("fcgate-unreachable");
        ForwardingGateway.write(root.resolve("x.blackhole"), "");
        ForwardingGateway.write(root.resolve("x.full"), "");
        int blackhole = fullTcpListener();
        Path socket = fullUnixListener(Files.createTempDirectory("fcgate-full-uds").resolve("php-fpm.sock"));
        FastCgiUpstreamOptions options = FastCgiUpstreamOptions.defaults().withConnectTimeout(Duration.ofMillis(500));
        gateway = ForwardingGateway.start(root, Map.of(
                ".blackhole", FastCgiUpstream.external(ExternalServerOptions.of("blackhole",
                        List.of(new BackendAddress.Tcp("127.0.0.1", blackhole))), options),
                ".full", FastCgiUpstream.external(ExternalServerOptions.of("full",
                        List.of(new BackendAddress.Unix(socket))), options)),
                HttpLimits.defaults());
    }

    /** Backlog 1 holds two connections on Linux; the next SYN is dropped and its connect times out. */
    private static int fullTcpListener() throws IOException {
        ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(listener);
        for (;;) {
            Socket s = new Socket();
            try {
                s.connect(listener.getLocalSocketAddress(), 200);
                held.add(s);
            } catch (SocketTimeoutException full) {
                s.close();
                return listener.getLocalPort();
            }
        }
    }

    /** Non-blocking connects until the kernel says EAGAIN: the backlog is full. */
    private static Path fullUnixListener(Path path) throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(path), 1);
        held.add(listener);
        for (;;) {
            SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
            c.configureBlocking(false);
            try {
                c.connect(UnixDomainSocketAddress.of(path));
                held.add(c);
            } catch (IOException full) {
                c.close();
                return path;
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        for (AutoCloseable c : held) {
            c.close();
        }
    }

    @AfterEach
    void canary() throws Exception {
        gateway.canary();
    }

    @Test
    void R61_blackholeIs504AfterTheConnectTimeout() throws Exception {
        try (RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("GET /x.blackhole HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(504);
            // Not a framing error: the connection still serves the next request.
            assertThat(c.send("GET /static.txt HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
        }
    }

    @Test
    void R60_fullUnixBacklogIs503AndLoggedAsQueueFull() throws Exception {
        try (LogCapture log = new LogCapture(); RawClient c = gateway.connect()) {
            RawClient.Response r = c.send("GET /x.full HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("Retry-After")).isEqualTo("1");
            await().atMost(Duration.ofSeconds(5)).until(() -> log.text().contains("backend queue full"));
        }
    }
}
