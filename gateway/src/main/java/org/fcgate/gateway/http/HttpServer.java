package org.fcgate.gateway.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import io.netty.channel.ChannelPipeline;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.path.PathEncoding;
import org.fcgate.gateway.site.CurrentSite;
import org.fcgate.gateway.site.Site;
import org.fcgate.gateway.upstream.Upstreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP front: binds, serves, stops. Native epoll when available, NIO otherwise. Every child channel runs with
 * {@code AUTO_READ=false}; {@link Http1RequestDecoder} decides when to read. A failing accept (out of file
 * descriptors) is handled by {@link AcceptGuard}: back-off, the oldest idle connections closed, a rate-limited WARN.
 *
 * <p>Lifecycle: {@link #start} once → {@link #port()} → for a graceful stop {@link #stopAccepting()} and the drain
 * of {@link #connections()} → {@link #close()} (idempotent; closes what is left and waits for the loops).
 */
public final class HttpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

    /**
     * Sizes each read's buffer from the last reads (Netty's default policy), one instance for every connection: Netty
     * would otherwise make one per connection, kept as long as the connection (docs/benchmarks.md, idle connections).
     */
    private static final AdaptiveRecvByteBufAllocator RECEIVE_BUFFERS = new AdaptiveRecvByteBufAllocator();

    /** The transport in use. */
    public enum Transport { EPOLL, NIO }

    private final EventLoopGroup group;
    private final Channel channel;
    private final Transport transport;
    private final Connections connections;

    private HttpServer(EventLoopGroup group, Channel channel, Transport transport, Connections connections) {
        this.group = group;
        this.channel = channel;
        this.transport = transport;
        this.connections = connections;
    }

    /** Binds and starts serving; fails with the bind error (e.g. address in use) after releasing the loops. */
    public static HttpServer start(GatewayConfig config, Upstreams upstreams)
            throws IOException, InterruptedException {
        return start(config, upstreams, p -> { });
    }

    /**
     * As {@link #start(GatewayConfig, Upstreams)}; {@code pipelineHook} sees each client pipeline once it is built
     * (the metrics handlers of {@code org.fcgate.gateway.metrics} add themselves there).
     */
    public static HttpServer start(GatewayConfig config, Upstreams upstreams, Consumer<ChannelPipeline> pipelineHook)
            throws IOException, InterruptedException {
        return start(new CurrentSite(new Site(1, config, upstreams)), pipelineHook);
    }

    /**
     * Binds the current site's {@code listen} address and serves whatever site is current: a configuration reload
     * replaces it in {@code sites} without touching the listening socket.
     */
    public static HttpServer start(CurrentSite sites, Consumer<ChannelPipeline> pipelineHook)
            throws IOException, InterruptedException {
        return start(sites, pipelineHook, new Connections());
    }

    /**
     * As above, with {@code connections} made by the caller: the admin listener's {@link AcceptGuard} closes the
     * oldest idle ones too when it runs out of descriptors.
     */
    public static HttpServer start(CurrentSite sites, Consumer<ChannelPipeline> pipelineHook, Connections connections)
            throws IOException, InterruptedException {
        GatewayConfig config = sites.get().config();
        PathEncoding.warnUnlessUtf8();
        Transport transport = Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO;
        IoHandlerFactory io = transport == Transport.EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = transport == Transport.EPOLL
                ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        int loops = eventLoops(config.eventLoops());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(loops, io);
        ChannelFuture bound;
        try {
            bound = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .handler(new AcceptGuard("public", connections))
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_BUFFERS)
                    .childHandler(new HttpServerInitializer(sites, pipelineHook, connections))
                    .bind(config.listen().toSocketAddress())
                    .await();
        } catch (InterruptedException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("cannot listen on " + config.listen().host() + ":" + config.listen().port(),
                    bound.cause());
        }
        Channel ch = bound.channel();
        LOG.info("fcgate listening on {} ({}, {} event loop{})", ch.localAddress(), transport, loops,
                loops == 1 ? "" : "s");
        return new HttpServer(group, ch, transport, connections);
    }

    /**
     * The listener's event loops: {@code configured} when set, else {@code -Dio.netty.eventLoopThreads}, else one per
     * two cores (at least one). Every handler is non-blocking, so a loop only needs a core while it has work; the
     * managed children, or the servers behind, need the other cores. More loops than the front's share add
     * cross-loop wake-ups and moves of kept child connections between loops: on 2 cores with 2 PHP workers, one
     * loop serves hello.php 1.2 to 1.4 times faster than two, and static files faster too (docs/performance).
     */
    public static int eventLoops(int configured) {
        if (configured > 0) {
            return configured;
        }
        return io.netty.util.internal.SystemPropertyUtil.getInt("io.netty.eventLoopThreads",
                autoEventLoops(io.netty.util.NettyRuntime.availableProcessors()));
    }

    /** {@code event_loops: auto} on a machine with {@code cores} cores. */
    static int autoEventLoops(int cores) {
        return Math.max(1, cores / 2);
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** The listening socket's address, e.g. {@code /127.0.0.1:8080}. */
    public java.net.SocketAddress localAddress() {
        return channel.localAddress();
    }

    public Transport transport() {
        return transport;
    }

    /** The open client connections, for the shutdown drain. */
    public Connections connections() {
        return connections;
    }

    /** Closes the listening socket: new connects are refused from now on; open connections are untouched. */
    public void stopAccepting() {
        Object address = channel.localAddress();
        channel.close().awaitUninterruptibly();
        LOG.info("fcgate stopped listening on {}", address);
    }

    /** The listening socket's close, whoever closed it. */
    public io.netty.channel.ChannelFuture closeFuture() {
        return channel.closeFuture();
    }

    /** Completes when the listening socket closes. */
    public void awaitClose() throws InterruptedException {
        channel.closeFuture().sync();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
