package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Kept connections of {@code fastcgi_servers} and event loops: a request on another loop than the idle kept
 * connection's, at the connection cap, gets that connection moved to its loop — never a close and a new connect (that
 * made {@code keep_conn: on} slower than off) — and so does a waiter on another loop when the connection is given
 * back. Connections are counted at a real listening socket.
 */
class KeptConnectionMoveIT {

    private ServerSocket server;
    private final AtomicInteger accepted = new AtomicInteger();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private MultiThreadIoEventLoopGroup group;
    private ServerConnections connections;

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    sockets.add(server.accept()); // kept open, never read: no request is sent in this test
                    accepted.incrementAndGet();
                } catch (IOException e) {
                    return;
                }
            }
        }, "counting-server");
        acceptor.setDaemon(true);
        acceptor.start();
        group = new MultiThreadIoEventLoopGroup(2, Transport.current() == Transport.EPOLL
                ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        BackendAddress address = new BackendAddress.Tcp("127.0.0.1", server.getLocalPort());
        connections = new ServerConnections(address, ExternalServerOptions.of("kept", List.of(address))
                .withKeepAlive(true).withMaxConnections(1), FastCgiUpstreamOptions.defaults());
    }

    @AfterEach
    void stop() throws Exception {
        connections.close();
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }

    @Test
    void idleKeptConnectionMovesToTheRequestsLoop() throws Exception {
        EventLoop a = group.next();
        EventLoop b = group.next();
        assertThat(a).isNotSameAs(b);

        Backend.Session first = open(a).get(10, TimeUnit.SECONDS);
        assertThat(first.reused()).isFalse();
        a.submit(first::release).sync();

        Backend.Session second = open(b).get(10, TimeUnit.SECONDS);
        assertThat(second.reused()).as("the kept connection, moved").isTrue();
        assertThat(second.channel()).isSameAs(first.channel());
        assertThat(second.channel().eventLoop()).isSameAs(b);
        assertThat(second.channel().isActive()).isTrue();
        b.submit(second::release).sync();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(accepted.get()).isEqualTo(1));
        assertThat(connections.openConnections()).isEqualTo(1);
    }

    @Test
    void waiterOnAnotherLoopGetsTheKeptConnection() throws Exception {
        EventLoop a = group.next();
        EventLoop b = group.next();
        Backend.Session first = open(a).get(10, TimeUnit.SECONDS);
        CompletableFuture<Backend.Session> waiting = open(b); // at the cap of 1: it waits
        assertThat(waiting).isNotDone();
        a.submit(first::release).sync();

        Backend.Session second = waiting.get(10, TimeUnit.SECONDS);
        assertThat(second.channel()).isSameAs(first.channel());
        assertThat(second.channel().eventLoop()).isSameAs(b);
        b.submit(second::release).sync();
        // The server's accept thread counts after the kernel completed the connect: it may lag the client by a moment.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(accepted.get()).isEqualTo(1));
    }

    /** Acquires on {@code loop}, as an exchange does; the session's handler is attached to nothing. */
    private CompletableFuture<Backend.Session> open(EventLoop loop) throws Exception {
        CompletableFuture<Backend.Session> result = new CompletableFuture<>();
        Backend.Callback callback = new Backend.Callback() {
            @Override
            public void opened(Backend.Session session) {
                assertThat(loop.inEventLoop()).isTrue();
                result.complete(session);
            }

            @Override
            public void failed(Backend.Failure failure) {
                result.completeExceptionally(new IOException(failure.cause()));
            }
        };
        loop.submit(() -> connections.acquire(loop, callback, false)).sync();
        return result;
    }
}
