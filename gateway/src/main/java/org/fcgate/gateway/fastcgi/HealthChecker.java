package org.fcgate.gateway.fastcgi;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.gateway.config.HealthCheck;

/**
 * The active health checks of one group of external servers ({@code health_check}): on an event loop of its own (one
 * thread, daemon), each server is checked with a {@link HealthProbe} at start and then {@code interval} after its
 * previous check ended, so checks of one server never overlap and a black-holed server delays only its own. Results
 * go to the server's {@link ServerHealth}.
 *
 * <p>Lifecycle: {@link #start} → checks run → {@link #close} (no check is started any more, the loop ends, open check
 * connections are closed with it).
 */
final class HealthChecker implements AutoCloseable {

    private final List<ServerConnections> servers;
    private final HealthCheck check;
    private final FcgiLimits limits;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private volatile boolean closed;

    HealthChecker(String upstream, List<ServerConnections> servers, HealthCheck check, FcgiLimits limits) {
        this.servers = List.copyOf(servers);
        this.check = check;
        this.limits = limits;
        // The probe's channel type follows Transport.current(), so the loop must be of the same kind.
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("fcgate-health-" + upstream, true),
                Transport.current() == Transport.EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.loop = group.next();
    }

    void start() {
        for (ServerConnections s : servers) {
            loop.execute(() -> run(s));
        }
    }

    private void run(ServerConnections server) {
        if (closed) {
            return;
        }
        new HealthProbe(loop, server.address(), server.resolved(), check, limits, failure -> {
            long now = System.nanoTime();
            if (failure == null) {
                server.health().checkPassed(now);
            } else {
                server.health().checkFailed(now, failure);
            }
            schedule(server);
        }).start();
    }

    private void schedule(ServerConnections server) {
        if (closed) {
            return;
        }
        try {
            loop.schedule(() -> run(server), check.interval().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closing: the loop no longer takes tasks
        }
    }

    /** Stops checking; waits (briefly) for the loop to end so no check connection outlives the gateway. */
    @Override
    public void close() {
        closed = true;
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
