package org.fcgate.gateway.poolserver;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.PoolListen;
import org.fcgate.gateway.http.AcceptGuard;
import org.fcgate.gateway.http.Connections;
import org.fcgate.gateway.http.HttpServer;
import org.fcgate.pool.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FastCGI listeners of {@code fcgate pool}: one per exposed pool, on one event loop group, each accepted
 * connection handled by a {@link ConnectionRelay} ({@code AUTO_READ} off) for the pool's {@link PoolEndpoint}.
 *
 * <p>Lifecycle: {@link #start} (binds every listener or none) → {@link #addresses()} → any number of
 * {@link #apply} (configuration reloads, one at a time) → {@link #stopListening()} (no new connections; Unix socket
 * files removed; relayed requests go on) → {@link #close()} (connections closed, loops stopped; idempotent).
 */
public final class PoolServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PoolServer.class);

    /** One bound address and the pool name whose connections it accepts. */
    private record Listener(PoolEndpoint endpoint, PoolListen listen, Channel channel, String address) {
    }

    private final RelayTransport transport;
    private final EventLoopGroup group;
    // Guarded by this.
    private final Map<String, Listener> listeners = new LinkedHashMap<>();
    private final Set<PoolEndpoint> endpoints = new LinkedHashSet<>();
    private boolean stopped;

    private PoolServer(RelayTransport transport, EventLoopGroup group) {
        this.transport = transport;
        this.group = group;
    }

    /** Binds a listener per pool; on failure nothing stays bound and the loops are stopped. */
    public static PoolServer start(List<ExposedPool> pools) throws IOException, InterruptedException {
        RelayTransport transport = RelayTransport.current();
        // event_loops' auto rule (one per two cores), as the gateway's listener: the children need the other cores
        PoolServer server = new PoolServer(transport, new MultiThreadIoEventLoopGroup(
                HttpServer.eventLoops(GatewayConfig.AUTO_EVENT_LOOPS), transport.ioHandlerFactory()));
        try {
            synchronized (server) {
                for (ExposedPool p : pools) {
                    Listener l = server.bind(new PoolEndpoint(p), p.listen());
                    server.listeners.put(p.pool().name(), l);
                    LOG.info("fcgate pool {} listening on {} ({})", p.pool().name(), l.address(), transport);
                }
            }
            return server;
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private Listener bind(PoolEndpoint endpoint, PoolListen listen) throws IOException, InterruptedException {
        endpoints.add(endpoint);
        boolean unix = listen instanceof PoolListen.Unix;
        SocketAddress address;
        if (listen instanceof PoolListen.Unix u) {
            UnixListenSocket.prepare(u.path());
            address = transport.unixAddress(u.path());
        } else {
            ListenAddress a = ((PoolListen.Tcp) listen).address();
            address = new InetSocketAddress(a.host(), a.port());
        }
        ServerBootstrap b = new ServerBootstrap().group(group).channel(transport.serverChannel(unix))
                .option(ChannelOption.SO_BACKLOG, 1024)
                // accept failures (out of descriptors): back-off and a rate-limited WARN; nothing idle to reclaim here
                .handler(new AcceptGuard("pool " + endpoint.name(), new Connections()))
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (!endpoint.accepted(ch)) {
                            ch.close(); // the pool was removed by a reload as this connection came in
                            return;
                        }
                        ch.pipeline().addLast(new ConnectionRelay(endpoint, transport));
                    }
                });
        if (!unix) {
            b.childOption(ChannelOption.TCP_NODELAY, true);
        }
        var bound = b.bind(address).await();
        if (!bound.isSuccess()) {
            throw new IOException("pool " + endpoint.name() + ": cannot listen on " + listen + ": "
                    + bound.cause().getMessage(), bound.cause());
        }
        if (listen instanceof PoolListen.Unix u) {
            UnixListenSocket.chmod(u.path(), u.mode());
        }
        return new Listener(endpoint, listen, bound.channel(), describe(listen, bound.channel().localAddress()));
    }

    private static String describe(PoolListen listen, SocketAddress bound) {
        if (listen instanceof PoolListen.Unix u) {
            return u.toString();
        }
        InetSocketAddress a = (InetSocketAddress) bound;
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /**
     * Applies one configuration reload's {@code updates}. First every new address is bound (added pools, changed
     * addresses); if one cannot be, those bound are closed again and the exception thrown: nothing changed. Then, for
     * each update: new requests go to the new generation or settings, changed addresses are swapped (the new socket
     * was already listening, so no connect is refused), added pools are served, removed pools stop listening and
     * their connections close once idle.
     *
     * @return each pool no longer used from now on (replaced generations, removed pools), with the future that
     *     completes when the last request that used it is over: then it can be retired
     */
    public synchronized Map<Pool, CompletableFuture<Void>> apply(List<PoolUpdate> updates)
            throws IOException, InterruptedException {
        if (stopped) {
            throw new IllegalStateException("the pool server is stopping");
        }
        Map<String, Listener> fresh = new LinkedHashMap<>();
        try {
            for (PoolUpdate u : updates) {
                if (u instanceof PoolUpdate.Add a) {
                    if (listeners.containsKey(a.name())) {
                        throw new IllegalArgumentException("pool " + a.name() + " is exposed already");
                    }
                    fresh.put(a.name(), bind(new PoolEndpoint(a.next()), a.next().listen()));
                } else if (!(u instanceof PoolUpdate.Remove)) {
                    Listener old = exposed(u.name());
                    PoolListen next = next(u).listen();
                    if (rebinds(old.listen(), next)) {
                        fresh.put(u.name(), bind(old.endpoint(), next));
                    }
                } else {
                    exposed(u.name());
                }
            }
            for (PoolUpdate u : updates) {
                if (!(u instanceof PoolUpdate.Add || u instanceof PoolUpdate.Remove) && !fresh.containsKey(u.name())
                        && !listeners.get(u.name()).listen().equals(next(u).listen())) {
                    PoolListen.Unix n = (PoolListen.Unix) next(u).listen(); // same path, another mode
                    UnixListenSocket.chmod(n.path(), n.mode());
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            for (Listener l : fresh.values()) {
                unbind(l, true);
                if (!listeners.containsKey(l.endpoint().name())) {
                    l.endpoint().closeConnections();
                    endpoints.remove(l.endpoint());
                }
            }
            throw e;
        }
        Map<Pool, CompletableFuture<Void>> released = new LinkedHashMap<>();
        for (PoolUpdate u : updates) {
            if (u instanceof PoolUpdate.Add) {
                Listener l = fresh.get(u.name());
                listeners.put(u.name(), l);
                LOG.info("fcgate pool {} listening on {} ({})", u.name(), l.address(), transport);
            } else if (u instanceof PoolUpdate.Remove) {
                Listener old = listeners.remove(u.name());
                unbind(old, true);
                LOG.info("fcgate pool {} no longer listening on {}: its connections close once idle", u.name(),
                        old.address());
                released.put(old.endpoint().get().exposed().pool(), old.endpoint().remove());
            } else {
                Listener old = listeners.get(u.name());
                PoolEndpoint.Served was = old.endpoint().replace(next(u));
                if (u instanceof PoolUpdate.Replace) {
                    released.put(was.exposed().pool(), was.inFlight().drained());
                }
                switchAddress(old, next(u).listen(), fresh.get(u.name()));
            }
        }
        return released;
    }

    private void switchAddress(Listener old, PoolListen next, Listener fresh) {
        String name = old.endpoint().name();
        if (fresh != null) {
            listeners.put(name, fresh);
            boolean samePath = old.listen() instanceof PoolListen.Unix o && next instanceof PoolListen.Unix n
                    && o.path().equals(n.path());
            unbind(old, !samePath);
            LOG.info("fcgate pool {} listening on {} (was {}; connections there go on)", name, fresh.address(),
                    old.address());
        } else if (!old.listen().equals(next)) {
            PoolListen.Unix u = (PoolListen.Unix) next; // same path, another mode: chmod-ed by apply
            listeners.put(name, new Listener(old.endpoint(), next, old.channel(), old.address()));
            LOG.info("fcgate pool {}: socket {} mode now {}", name, u.path(), u.mode());
        }
    }

    private Listener exposed(String name) {
        Listener l = listeners.get(name);
        if (l == null) {
            throw new IllegalArgumentException("pool " + name + " is not exposed");
        }
        return l;
    }

    private static ExposedPool next(PoolUpdate u) {
        if (u instanceof PoolUpdate.Keep k) {
            return k.next();
        }
        if (u instanceof PoolUpdate.Replace r) {
            return r.next();
        }
        return ((PoolUpdate.Add) u).next();
    }

    /** A new socket is needed unless the address is the same (a Unix socket whose mode alone changed is chmod-ed). */
    private static boolean rebinds(PoolListen old, PoolListen next) {
        if (old instanceof PoolListen.Unix o && next instanceof PoolListen.Unix n) {
            return !o.path().equals(n.path());
        }
        return !old.equals(next);
    }

    private static void unbind(Listener l, boolean removeFile) {
        l.channel().close().awaitUninterruptibly();
        if (removeFile && l.listen() instanceof PoolListen.Unix u) {
            UnixListenSocket.remove(u.path());
        }
    }

    /** Pool name → bound address ({@code unix:/path} or {@code host:port}, the real port when 0 was asked). */
    public synchronized Map<String, String> addresses() {
        Map<String, String> out = new LinkedHashMap<>();
        listeners.forEach((name, l) -> out.put(name, l.address()));
        return out;
    }

    /** The generation each exposed pool serves now, in order. */
    public synchronized List<Pool> pools() {
        List<Pool> out = new ArrayList<>();
        listeners.values().forEach(l -> out.add(l.endpoint().get().exposed().pool()));
        return out;
    }

    /** Accepts no new connection and removes the socket files; connections being served go on. */
    public synchronized void stopListening() {
        if (stopped) {
            return;
        }
        stopped = true;
        for (Listener l : listeners.values()) {
            unbind(l, true);
        }
    }

    @Override
    public void close() {
        stopListening();
        List<PoolEndpoint> all;
        synchronized (this) {
            all = List.copyOf(endpoints);
        }
        all.forEach(PoolEndpoint::closeConnections);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
