package org.fcgate.gateway.poolserver;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.fcgate.gateway.site.CurrentGeneration;
import org.fcgate.gateway.site.InFlight;

/**
 * One exposed pool name as its web server connections see it: the generation requests go to (swapped by a
 * configuration reload, as {@code fcgate run} swaps its site) and the connections accepted for it, on whatever address.
 *
 * <p>Lifecycle: exposed → (reloads: {@link #replace}) → {@link #remove()}: no new connection is served, idle ones are
 * closed, busy ones close after their request; {@link #closed()} completes when the last one is gone.
 */
final class PoolEndpoint {

    /** The user event that asks a connection to close when it carries no request ({@link #remove()}). */
    static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "DRAIN";
        }
    };

    /** One generation: the pool and its forwarding settings, counting the requests that use it. */
    record Served(ExposedPool exposed, InFlight inFlight) {
        static Served of(ExposedPool exposed) {
            return new Served(exposed, new InFlight());
        }
    }

    private final String name;
    private final CurrentGeneration<Served> current;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger open = new AtomicInteger();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile boolean removed;

    PoolEndpoint(ExposedPool first) {
        this.name = first.pool().name();
        this.current = new CurrentGeneration<>(Served.of(first), Served::inFlight);
    }

    String name() {
        return name;
    }

    /** The generation now served, not counted (GET_VALUES, log lines). */
    Served get() {
        return current.get();
    }

    /** The generation a request uses from its lease to its end; the request exits its {@link InFlight} then. */
    Served enter() {
        return current.enter();
    }

    /** Makes {@code next} the generation new requests use; the one returned drains ({@link InFlight#drained()}). */
    Served replace(ExposedPool next) {
        return current.replace(Served.of(next));
    }

    /** A connection accepted for this pool; false (and not counted) when the pool was removed meanwhile. */
    boolean accepted(Channel ch) {
        open.incrementAndGet();
        connections.add(ch);
        ch.closeFuture().addListener(f -> {
            if (open.decrementAndGet() == 0 && removed) {
                closed.complete(null);
            }
        });
        return !removed;
    }

    boolean removed() {
        return removed;
    }

    /**
     * The pool is no longer exposed (its listeners are closed by the caller): every connection closes once it
     * carries no request. The returned future completes when none is left; then nothing uses the pool any more.
     */
    CompletableFuture<Void> remove() {
        removed = true; // before the event goes out: a connection accepted later sees it in accepted()
        connections.forEach(ch -> ch.pipeline().fireUserEventTriggered(DRAIN));
        if (open.get() == 0) {
            closed.complete(null);
        }
        return closed;
    }

    /** Closes every connection (the server's close). */
    void closeConnections() {
        connections.close().awaitUninterruptibly();
    }
}
