package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.support.ForwardingGateway;
import org.fcgate.gateway.support.RawClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code send_timeout} of {@code fastcgi_servers}: a FastCGI server on a real Unix socket that reads BEGIN_REQUEST and
 * then stops reading (a php-fpm stuck before it reads the request body) must not hang the request: once the socket
 * buffers are full and the server takes no byte for the send timeout, the client gets 504 and the connection to the
 * server is closed. The read timeout is far longer, so it is the send timeout that answers.
 */
class SendTimeoutIT {

    /** Far past the socket buffers of a Unix socket pair (about 200 KiB each way). */
    private static final int BODY_BYTES = 8 * 1024 * 1024;

    private Path dir;
    private ServerSocketChannel server;
    private final CompletableFuture<Boolean> peerSawClose = new CompletableFuture<>();
    private final CompletableFuture<Void> peerStoppedReading = new CompletableFuture<>();
    /** The peer reads nothing more until the client has its answer, so its socket buffer stays full until then. */
    private final CompletableFuture<Void> gatewayAnswered = new CompletableFuture<>();
    private ForwardingGateway gateway;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("fcgate-send-timeout");
        Path sock = dir.resolve("stuck.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
        Thread peer = new Thread(this::stuckPeer, "stuck-fastcgi");
        peer.setDaemon(true);
        peer.start();
        ForwardingGateway.write(dir.resolve("upload.stuck"), "");
        FastCgiUpstreamOptions options = FastCgiUpstreamOptions.defaults().withReadTimeout(Duration.ofMinutes(10));
        FastCgiUpstream upstream = FastCgiUpstream.external(ExternalServerOptions.of("stuck",
                List.of(new BackendAddress.Unix(sock))).withSendTimeout(Duration.ofSeconds(1)), options);
        gateway = ForwardingGateway.start(dir, Map.of(".stuck", upstream),
                HttpLimits.defaults().withMaxBodyBytes(BODY_BYTES));
    }

    /** Reads the first record's header (BEGIN_REQUEST), then nothing until the gateway closes the connection. */
    private void stuckPeer() {
        try (SocketChannel s = server.accept()) {
            InputStream in = Channels.newInputStream(s);
            new DataInputStream(in).readNBytes(8);
            peerStoppedReading.complete(null);
            gatewayAnswered.join();
            peerSawClose.complete(drainToEof(in));
        } catch (IOException e) {
            peerSawClose.completeExceptionally(e);
        }
    }

    /** Reads what the gateway wrote before it closed; true at EOF (the gateway closed the connection). */
    private static boolean drainToEof(InputStream in) throws IOException {
        byte[] sink = new byte[64 * 1024];
        while (in.read(sink) >= 0) {
            // discard
        }
        return true;
    }

    @AfterEach
    void stop() throws Exception {
        gatewayAnswered.complete(null);
        if (gateway != null) {
            gateway.close();
        }
        server.close();
    }

    @Test
    void serverThatStopsReadingTheBodyGets504AndItsConnectionClosed() throws Exception {
        try (RawClient c = gateway.connect()) {
            c.send("POST /upload.stuck HTTP/1.1\r\nHost: a\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + BODY_BYTES + "\r\n\r\n");
            c.send(new byte[BODY_BYTES]);
            RawClient.Response r = c.read();
            gatewayAnswered.complete(null);
            assertThat(r.status()).isEqualTo(504);
        }
        assertThat(peerStoppedReading).isDone();
        assertThat(peerSawClose.get(30, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> gateway.canary());
    }
}
