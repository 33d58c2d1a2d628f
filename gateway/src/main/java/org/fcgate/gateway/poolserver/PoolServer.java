package org.fcgate.gateway.poolserver;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.PoolListen;
import org.fcgate.gateway.http.AcceptGuard;
import org.fcgate.gateway.http.Connections;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FastCGI listeners of {@code fcgate pool}: one per exposed pool, on one event loop group, each accepted
 * connection handled by a {@link ConnectionRelay} ({@code AUTO_READ} off).
 *
 * <p>Lifecycle: {@link #start} (binds every listener or none) → {@link #addresses()} → {@link #stopListening()}
 * (no new connections; Unix socket files removed; relayed requests go on) → {@link #close()} (connections closed,
 * loops stopped; idempotent).
 */
public final class PoolServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PoolServer.class);

    private final EventLoopGroup group;
    private final List<Channel> listeners;
    private final ChannelGroup connections;
    private final Map<String, String> addresses;
    private final List<PoolListen.Unix> socketFiles;

    private PoolServer(EventLoopGroup group, List<Channel> listeners, ChannelGroup connections,
                       Map<String, String> addresses, List<PoolListen.Unix> socketFiles) {
        this.group = group;
        this.listeners = listeners;
        this.connections = connections;
        this.addresses = addresses;
        this.socketFiles = socketFiles;
    }

    /** Binds a listener per pool; on failure nothing stays bound and the loops are stopped. */
    public static PoolServer start(List<ExposedPool> pools) throws IOException, InterruptedException {
        RelayTransport transport = RelayTransport.current();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(transport.ioHandlerFactory());
        ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        List<Channel> listeners = new ArrayList<>();
        List<PoolListen.Unix> socketFiles = new ArrayList<>();
        Map<String, String> addresses = new LinkedHashMap<>();
        PoolServer server = new PoolServer(group, listeners, connections, addresses, socketFiles);
        try {
            for (ExposedPool p : pools) {
                Channel ch = bind(p, transport, group, connections, socketFiles);
                listeners.add(ch);
                addresses.put(p.pool().name(), describe(p.listen(), ch.localAddress()));
                LOG.info("fcgate pool {} listening on {} ({})", p.pool().name(), addresses.get(p.pool().name()),
                        transport);
            }
            return server;
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private static Channel bind(ExposedPool p, RelayTransport transport, EventLoopGroup group,
                                ChannelGroup connections, List<PoolListen.Unix> socketFiles)
            throws IOException, InterruptedException {
        boolean unix = p.listen() instanceof PoolListen.Unix;
        SocketAddress address;
        if (p.listen() instanceof PoolListen.Unix u) {
            UnixListenSocket.prepare(u.path());
            address = transport.unixAddress(u.path());
        } else {
            ListenAddress a = ((PoolListen.Tcp) p.listen()).address();
            address = new InetSocketAddress(a.host(), a.port());
        }
        ServerBootstrap b = new ServerBootstrap().group(group).channel(transport.serverChannel(unix))
                .option(ChannelOption.SO_BACKLOG, 1024)
                // accept failures (out of descriptors): back-off and a rate-limited WARN; nothing idle to reclaim here
                .handler(new AcceptGuard("pool " + p.pool().name(), new Connections()))
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(new ConnectionRelay(p, transport));
                    }
                });
        if (!unix) {
            b.childOption(ChannelOption.TCP_NODELAY, true);
        }
        var bound = b.bind(address).await();
        if (!bound.isSuccess()) {
            throw new IOException("pool " + p.pool().name() + ": cannot listen on " + p.listen() + ": "
                    + bound.cause().getMessage(), bound.cause());
        }
        if (p.listen() instanceof PoolListen.Unix u) {
            socketFiles.add(u);
            UnixListenSocket.chmod(u.path(), u.mode());
        }
        return bound.channel();
    }

    private static String describe(PoolListen listen, SocketAddress bound) {
        if (listen instanceof PoolListen.Unix u) {
            return u.toString();
        }
        InetSocketAddress a = (InetSocketAddress) bound;
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Pool name → bound address ({@code unix:/path} or {@code host:port}, the real port when 0 was asked). */
    public Map<String, String> addresses() {
        return Collections.unmodifiableMap(addresses);
    }

    /** Accepts no new connection and removes the socket files; connections being served go on. */
    public void stopListening() {
        for (Channel ch : listeners) {
            ch.close().awaitUninterruptibly();
        }
        for (PoolListen.Unix u : socketFiles) {
            UnixListenSocket.remove(u.path());
        }
        socketFiles.clear();
    }

    @Override
    public void close() {
        stopListening();
        connections.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
