package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Kept connections of {@code fastcgi_servers} and event loops: a request on another loop than the idle kept
 * connection's, at the connection cap, gets that connection moved to its loop — never a close and a new connect (that
 * made {@code keep_conn: on} slower than off) — and so does a waiter on another loop when the connection is given
 * back. A move that fails leaves the request a fresh connection on its own loop; a request that takes the kept
 * connection inside the read that freed it gets it once that read is done. Connections are counted at a real listening
 * socket.
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

    /**
     * A failed move (ChannelMove: the kept connection cannot leave its loop, so it is closed) leaves the request a
     * fresh connection in the kept one's slot, connected on the request's loop: before the fix it was connected on the
     * kept connection's old loop and the exchange, on its own loop, was served from two threads. No hang, no loop of
     * reconnects: one new connect, one slot.
     */
    @Test
    void aKeptConnectionThatFailsToMoveIsReplacedByAFreshOneOnTheRequestsLoop() throws Exception {
        EventLoop a = group.next();
        EventLoop b = group.next();
        Backend.Session first = open(a).get(10, TimeUnit.SECONDS);
        Channel kept = first.channel();
        a.submit(() -> kept.pipeline().addFirst(new RefusesToMove())).sync();
        a.submit(first::release).sync();
        assertThat(connections.idleConnections()).isEqualTo(1);

        Backend.Session second = open(b).get(10, TimeUnit.SECONDS);
        assertThat(second.reused()).as("a fresh connection").isFalse();
        assertThat(second.channel()).isNotSameAs(kept);
        assertThat(second.channel().eventLoop()).as("connected on the request's loop").isSameAs(b);
        assertThat(second.channel().isActive()).isTrue();
        assertThat(kept.isOpen()).as("the connection that failed to move is closed").isFalse();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(accepted.get()).isEqualTo(2));
        assertThat(connections.openConnections()).as("the new connection took the kept one's slot").isEqualTo(1);
        b.submit(second::release).sync();
        assertThat(connections.idleConnections()).isEqualTo(1);
    }

    /**
     * R10 on the backend side (HTTP pipelining): a request that takes the kept connection on its loop while that
     * connection's read, the one that ended the previous request, is still handed to the previous holder gets the
     * connection only once the read is done, and before the loop runs any other task (BackendHandler#runAfterRead):
     * nothing of that read reaches the next request. Before the fix the hand-over ran inside the read.
     */
    @Test
    void R10_aRequestTakingTheKeptConnectionInsideItsReadGetsItOnlyAfterTheRead() throws Exception {
        EventLoop a = group.next();
        Backend.Session first = open(a).get(10, TimeUnit.SECONDS);
        Channel kept = first.channel();
        List<String> order = new CopyOnWriteArrayList<>();
        CompletableFuture<Backend.Session> second = new CompletableFuture<>();
        BackendHandler.Events next = new IgnoringHolder();
        Backend.Callback takesIt = new Backend.Callback() {
            @Override
            public void opened(Backend.Session session) {
                order.add(a.inEventLoop() ? "opened" : "opened off the loop");
                session.handler().attach(next); // as FcgiExchange does
                second.complete(session);
            }

            @Override
            public void failed(Backend.Failure failure) {
                second.completeExceptionally(new IOException(failure.cause()));
            }
        };
        BackendHandler.Events previous = new IgnoringHolder() {
            @Override
            public void backendRead(ByteBuf data) {
                data.release();
                // This read ended the request (its END_REQUEST): the connection goes back, and the next pipelined
                // request, handled at once on this loop, asks for it.
                first.release();
                a.execute(() -> order.add("task"));
                connections.acquire(a, takesIt, false);
                order.add(first.handler().holder() == next
                        ? "read ended, held by the next request" : "read ended");
            }
        };
        a.submit(() -> {
            first.handler().attach(previous);
            kept.read();
        }).sync();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(sockets).hasSize(1));
        // What ends a request (FastCGI 1.0 §3.3, §5.5); the holder does not parse it, it only has to be one read.
        byte[] endRequest = {
            1, 3,       // version 1, type 3 END_REQUEST
            0, 1,       // request id 1
            0, 8, 0, 0, // content length 8, no padding, reserved
            0, 0, 0, 0, // appStatus 0
            0,          // protocolStatus REQUEST_COMPLETE
            0, 0, 0,    // reserved
        };
        sockets.iterator().next().getOutputStream().write(endRequest);

        Backend.Session taken = second.get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(order).contains("task"));
        assertThat(order).containsExactly("read ended", "opened", "task");
        assertThat(taken.reused()).isTrue();
        assertThat(taken.channel()).isSameAs(kept);
        assertThat(accepted.get()).as("no new connect").isEqualTo(1);
        a.submit(taken::release).sync();
    }

    /** The failure point of a move: the connection cannot leave its event loop (its deregister fails). */
    private static final class RefusesToMove extends ChannelOutboundHandlerAdapter {
        @Override
        public void deregister(ChannelHandlerContext ctx, ChannelPromise promise) {
            promise.setFailure(new IOException("injected: deregister refused"));
        }
    }

    /**
     * Acquires on {@code loop}, as an exchange does; the session's handler is attached to nothing. The session is
     * handed over on {@code loop}, or the future fails.
     */
    private CompletableFuture<Backend.Session> open(EventLoop loop) throws Exception {
        CompletableFuture<Backend.Session> result = new CompletableFuture<>();
        Backend.Callback callback = new Backend.Callback() {
            @Override
            public void opened(Backend.Session session) {
                if (loop.inEventLoop()) {
                    result.complete(session);
                } else {
                    result.completeExceptionally(new AssertionError("opened on " + Thread.currentThread().getName()
                            + ", not on the request's loop (channel on " + session.channel().eventLoop() + ")"));
                }
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
