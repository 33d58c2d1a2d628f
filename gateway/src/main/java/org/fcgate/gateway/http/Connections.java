package org.fcgate.gateway.http;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The public listener's open client connections, for the shutdown drain (R75; nginx's "connection close on exit").
 *
 * <ol>
 *   <li>{@link #drain()}: every connection is marked draining, on its own event loop. An idle one (waiting for its
 *       first or next request, nothing buffered) is closed at once ({@link Http1RequestDecoder}); a busy one
 *       finishes its request, and the response carries {@code Connection: close} ({@link ResponseWriter}) — or, if
 *       its head was already out, the connection closes after it. A connection accepted after the drain started
 *       is closed at once.</li>
 *   <li>{@link #allClosed()} completes when none is left.</li>
 *   <li>{@link #abort()}, at the deadline or a second signal: closes what is left and says how many requests that
 *       cut off.</li>
 * </ol>
 *
 * <p>Under file-descriptor pressure ({@link AcceptGuard}), {@link #closeOldestIdle()} closes the connections that
 * have waited longest for a request, as nginx reuses its oldest keep-alive connections.
 */
public final class Connections {

    /** The user event each connection sees when the drain starts. */
    enum Drain { STARTED }

    private static final AttributeKey<Boolean> DRAINING = AttributeKey.valueOf("fcgate.draining");
    private static final AttributeKey<Boolean> BUSY = AttributeKey.valueOf("fcgate.busy");

    private final ChannelGroup open = new DefaultChannelGroup("fcgate-http", GlobalEventExecutor.INSTANCE);
    private volatile boolean draining;

    /** A new connection (from its initializer); closed at once when the drain has started. */
    void add(Channel ch) {
        open.add(ch);
        if (draining) {
            ch.attr(DRAINING).set(true);
            ch.close();
        }
    }

    /** Whether responses on {@code ch} must end the connection (the drain has reached it). */
    static boolean draining(Channel ch) {
        return Boolean.TRUE.equals(ch.attr(DRAINING).get());
    }

    /** {@code true} from a request's head until its response is written (for the in-flight count). */
    static void busy(Channel ch, boolean busy) {
        ch.attr(BUSY).set(busy);
    }

    public int open() {
        return open.size();
    }

    /** Connections with a request between its head and the end of its response. */
    public int inFlight() {
        int n = 0;
        for (Channel ch : open) {
            if (Boolean.TRUE.equals(ch.attr(BUSY).get())) {
                n++;
            }
        }
        return n;
    }

    /** Starts the drain; see the class comment. Idempotent. */
    public void drain() {
        draining = true;
        for (Channel ch : open) {
            ch.eventLoop().execute(() -> {
                ch.attr(DRAINING).set(true);
                ch.pipeline().fireUserEventTriggered(Drain.STARTED);
            });
        }
    }

    /** Completes when every connection open now has closed (call after {@link #drain()}: no new ones join). */
    public CompletableFuture<Void> allClosed() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        open.newCloseFuture().addListener(f -> done.complete(null));
        return done;
    }

    /** A connection waiting for a request, and since when. */
    private record Idle(Channel channel, Http1RequestDecoder decoder, long sinceNanos) {
    }

    private static final Comparator<Idle> OLDEST_FIRST = (a, b) -> Long.compare(a.sinceNanos - b.sinceNanos, 0);

    /** How many idle connections one {@link #closeOldestIdle()} closes at most (nginx's ngx_drain_connections). */
    static final int RECLAIM_MAX = 32;

    /**
     * Closes the connections that have waited longest for a request (keep-alive, or a first request not yet begun):
     * {@code max(min(32, idle / 8), 1)} of them, nginx's {@code ngx_drain_connections} count, so one accept failure
     * never empties the pool of kept connections. A connection whose request began meanwhile is left open (checked
     * on its own loop). Completes, with how many were closed, once each close has been done; their descriptors are
     * then free. Scans every open connection: for the rare moment accept(2) fails, not for the hot path.
     */
    public CompletableFuture<Integer> closeOldestIdle() {
        List<Idle> idle = new ArrayList<>();
        for (Channel ch : open) {
            Http1RequestDecoder d = ch.pipeline().get(Http1RequestDecoder.class);
            long since = d == null ? Http1RequestDecoder.NOT_IDLE : d.idleSinceNanos();
            if (since != Http1RequestDecoder.NOT_IDLE) {
                idle.add(new Idle(ch, d, since));
            }
        }
        if (idle.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        int n = Math.max(Math.min(RECLAIM_MAX, idle.size() / 8), 1);
        PriorityQueue<Idle> newestOfOldest = new PriorityQueue<>(n + 1, OLDEST_FIRST.reversed());
        for (Idle i : idle) {
            newestOfOldest.add(i);
            if (newestOfOldest.size() > n) {
                newestOfOldest.poll();
            }
        }
        CompletableFuture<Integer> done = new CompletableFuture<>();
        AtomicInteger left = new AtomicInteger(newestOfOldest.size());
        AtomicInteger closed = new AtomicInteger();
        for (Idle i : newestOfOldest) {
            Runnable close = () -> {
                if (i.decoder().closeIfIdle()) {
                    closed.incrementAndGet();
                }
                if (left.decrementAndGet() == 0) {
                    done.complete(closed.get());
                }
            };
            try {
                i.channel().eventLoop().execute(close);
            } catch (RejectedExecutionException e) { // its loop is shutting down: nothing to reclaim there
                if (left.decrementAndGet() == 0) {
                    done.complete(closed.get());
                }
            }
        }
        return done;
    }

    /** Closes every connection left; returns how many of them had a request in flight. */
    public int abort() {
        draining = true;
        int aborted = inFlight();
        open.close().awaitUninterruptibly();
        return aborted;
    }
}
