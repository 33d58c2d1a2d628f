package org.fcgate.gateway.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.http.AcceptGuard;
import org.fcgate.gateway.http.Connections;
import org.fcgate.gateway.metrics.GatewayMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener: its own address and its own single event loop, never the public listener's. Requests are
 * small (a 4 KiB line, 8 KiB of headers, a control POST's form body of at most 1 KiB; larger: 413), so Netty's codec
 * with an aggregator is enough here.
 *
 * <p>Lifecycle: {@link #start} → {@link #port()} → {@link #close()} (idempotent).
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    private static final int MAX_BODY_BYTES = 1024;

    private final EventLoopGroup group;
    private final Channel channel;

    private AdminServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    public static AdminServer start(ListenAddress listen, GatewayMetrics metrics, Health health)
            throws IOException, InterruptedException {
        return start(listen, metrics, health, new ControlEndpoints(java.util.Optional.empty(), name -> java.util.Optional.empty()));
    }

    static AdminServer start(ListenAddress listen, GatewayMetrics metrics, Health health, ControlEndpoints control)
            throws IOException, InterruptedException {
        return start(listen, metrics, health, control, new Connections());
    }

    /**
     * As above; when accept fails for want of file descriptors, the oldest idle connections of {@code reclaimable}
     * (the public listener's) are closed to make room ({@link AcceptGuard}), so the admin listener still answers.
     */
    static AdminServer start(ListenAddress listen, GatewayMetrics metrics, Health health, ControlEndpoints control,
                             Connections reclaimable) throws IOException, InterruptedException {
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        ChannelFuture bound;
        try {
            bound = new ServerBootstrap().group(group)
                    .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                    .handler(new AcceptGuard("admin", reclaimable))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast("idle", new ReadTimeoutHandler(30, TimeUnit.SECONDS))
                                    .addLast("codec", new HttpServerCodec(4096, 8192, 8192))
                                    .addLast("aggregator", new HttpObjectAggregator(MAX_BODY_BYTES))
                                    .addLast("admin", new AdminHandler(metrics, health, control));
                        }
                    })
                    .bind(listen.toSocketAddress()).await();
        } catch (InterruptedException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("cannot listen (admin) on " + listen.host() + ":" + listen.port(), bound.cause());
        }
        LOG.info("fcgate admin listening on {}", bound.channel().localAddress());
        return new AdminServer(group, bound.channel());
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
