package org.fcgate.gateway.http;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-client-IP connection cap (R62, like nginx's {@code limit_conn} keyed by {@code $binary_remote_addr}): a
 * connection past {@code max} open ones from the same address is closed at accept, before any byte is read, with no
 * response. Refusals are counted; a WARN reports them at most once per {@link #REPORT_INTERVAL}.
 *
 * <p>Counts live in a concurrent map: the acceptor's child channels register on several event loops, and an entry is
 * removed when its count drops to zero, so the map holds only addresses with open connections.
 */
final class PerIpConnections {

    static final Duration REPORT_INTERVAL = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(PerIpConnections.class);

    private final int max;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong unreported = new AtomicLong();
    private final AtomicLong nextReport;

    /** @param max connections per address; 0: unlimited */
    PerIpConnections(int max, LongSupplier nanoClock) {
        this.max = max;
        this.nanoClock = nanoClock;
        this.nextReport = new AtomicLong(nanoClock.getAsLong());
    }

    /**
     * Counts {@code ch} against its peer's address until it closes; false (and nothing counted) when the address is
     * at the cap: the caller closes the channel.
     */
    boolean admit(Channel ch) {
        return admit(ch, max);
    }

    /** As {@link #admit(Channel)} with the cap {@code max} (0: unlimited) instead of the constructor's. */
    boolean admit(Channel ch, int max) {
        InetAddress ip = addressOf(ch.remoteAddress());
        if (max == 0 || ip == null) {
            return true;
        }
        boolean[] admitted = new boolean[1];
        open.compute(ip, (k, n) -> {
            int now = n == null ? 0 : n;
            admitted[0] = now < max;
            return admitted[0] ? now + 1 : n;
        });
        if (!admitted[0]) {
            refusedOne(ip, max);
            return false;
        }
        ch.closeFuture().addListener(f -> open.computeIfPresent(ip, (k, n) -> n > 1 ? n - 1 : null));
        return true;
    }

    long refused() {
        return refused.get();
    }

    int openFrom(InetAddress ip) {
        return open.getOrDefault(ip, 0);
    }

    private void refusedOne(InetAddress ip, int max) {
        refused.incrementAndGet();
        unreported.incrementAndGet();
        long now = nanoClock.getAsLong();
        long due = nextReport.get();
        if (now - due >= 0 && nextReport.compareAndSet(due, now + REPORT_INTERVAL.toNanos())) {
            LOG.warn("connections refused: per-IP cap max_connections_per_ip={} reached, last peer={}, refused={}"
                    + " since the last report ({} in all)", max, ip.getHostAddress(), unreported.getAndSet(0),
                    refused.get());
        }
    }

    private static InetAddress addressOf(SocketAddress a) {
        return a instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }
}
