package org.fcgate.gateway.fastcgi;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import org.fcgate.gateway.config.Failover;
import org.fcgate.gateway.config.GatewayDefaults;

/**
 * A group of external FastCGI servers (php-fpm, fcgate pool servers), used round-robin.
 *
 * @param name           the upstream name routes refer to
 * @param addresses      {@code unix:/path} or {@code host:port}, at least one, none twice
 * @param maxConnections per server: connections open at once (busy + idle kept); more requests wait for one, up to
 *                       {@code queueTimeout}. With {@code keepAlive}, keep it at or below the server's worker count
 *                       (php-fpm {@code pm.max_children}, divided by the number of gateways): a kept connection pins a
 *                       php-fpm worker, and a request sent on a connection still in the accept backlog stalls
 * @param keepAlive      ask the server to keep the connection (FCGI_KEEP_CONN) and reuse it; off by default, as in
 *                       nginx
 * @param idleTimeout    a kept connection idle this long is closed
 * @param queueTimeout   longest wait for a connection slot → 503 with Retry-After
 * @param retryAfter     the Retry-After of that 503, and of the 503 when every server is down
 * @param sendTimeout    request bytes waiting to be written and none taken by the server for this long → 504
 *                       ({@link SendTimeoutHandler}); nginx's {@code fastcgi_send_timeout}
 * @param failover       tries on other servers, ejection, active health checks (groups of two or more servers)
 * @param writeAhead     {@code write_ahead}: with {@code keepAlive}, a request that would wait for a slot may be
 *                       written on a busy kept connection behind its current request when that one runs for less
 *                       than this; {@link Duration#ZERO} is off (the default)
 */
public record ExternalServerOptions(String name, List<BackendAddress> addresses, int maxConnections,
                                    boolean keepAlive, Duration idleTimeout, Duration queueTimeout,
                                    Duration retryAfter, Duration sendTimeout, Failover failover,
                                    Duration writeAhead) {

    // One source for the defaults the YAML file and the serve flags share.
    public static final int DEFAULT_MAX_CONNECTIONS = GatewayDefaults.FASTCGI_MAX_CONNS_PER_SERVER;
    public static final boolean DEFAULT_KEEP_ALIVE = GatewayDefaults.FASTCGI_KEEP_CONN;
    public static final Duration DEFAULT_IDLE_TIMEOUT = GatewayDefaults.FASTCGI_IDLE_TIMEOUT;
    public static final Duration DEFAULT_QUEUE_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
    public static final Duration DEFAULT_SEND_TIMEOUT = GatewayDefaults.FASTCGI_SEND_TIMEOUT;

    public ExternalServerOptions {
        addresses = List.copyOf(addresses);
        Objects.requireNonNull(failover, "failover");
        Objects.requireNonNull(sendTimeout, "sendTimeout");
        Objects.requireNonNull(writeAhead, "writeAhead");
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("[upstream " + name + "] needs at least one FastCGI address");
        }
        if (new HashSet<>(addresses).size() != addresses.size()) {
            throw new IllegalArgumentException("[upstream " + name + "] lists an address twice: " + addresses);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("[upstream " + name + "] max connections (" + maxConnections
                    + ") must be at least 1");
        }
        if (idleTimeout.isNegative() || queueTimeout.isNegative() || retryAfter.isNegative()) {
            throw new IllegalArgumentException("[upstream " + name + "] durations must not be negative");
        }
        if (writeAhead.isNegative()) {
            throw new IllegalArgumentException("[upstream " + name + "] write ahead (" + writeAhead
                    + ") must not be negative");
        }
        if (sendTimeout.isZero() || sendTimeout.isNegative()) {
            throw new IllegalArgumentException("[upstream " + name + "] send timeout (" + sendTimeout
                    + ") must be positive");
        }
    }

    public static ExternalServerOptions of(String name, List<BackendAddress> addresses) {
        return new ExternalServerOptions(name, addresses, DEFAULT_MAX_CONNECTIONS, DEFAULT_KEEP_ALIVE,
                DEFAULT_IDLE_TIMEOUT, DEFAULT_QUEUE_TIMEOUT, DEFAULT_RETRY_AFTER, DEFAULT_SEND_TIMEOUT,
                Failover.defaults(), Duration.ZERO);
    }

    public ExternalServerOptions withMaxConnections(int n) {
        return new ExternalServerOptions(name, addresses, n, keepAlive, idleTimeout, queueTimeout, retryAfter,
                sendTimeout, failover, writeAhead);
    }

    public ExternalServerOptions withKeepAlive(boolean on) {
        return new ExternalServerOptions(name, addresses, maxConnections, on, idleTimeout, queueTimeout, retryAfter,
                sendTimeout, failover, writeAhead);
    }

    public ExternalServerOptions withIdleTimeout(Duration d) {
        return new ExternalServerOptions(name, addresses, maxConnections, keepAlive, d, queueTimeout, retryAfter,
                sendTimeout, failover, writeAhead);
    }

    public ExternalServerOptions withFailover(Failover f) {
        return new ExternalServerOptions(name, addresses, maxConnections, keepAlive, idleTimeout, queueTimeout,
                retryAfter, sendTimeout, f, writeAhead);
    }

    public ExternalServerOptions withSendTimeout(Duration d) {
        return new ExternalServerOptions(name, addresses, maxConnections, keepAlive, idleTimeout, queueTimeout,
                retryAfter, d, failover, writeAhead);
    }

    /** With {@code write_ahead} (off: {@link Duration#ZERO}); it takes effect only with {@code keepAlive}. */
    public ExternalServerOptions withWriteAhead(Duration d) {
        return new ExternalServerOptions(name, addresses, maxConnections, keepAlive, idleTimeout, queueTimeout,
                retryAfter, sendTimeout, failover, d);
    }

    /** Whether a request may be written ahead on a busy kept connection. */
    boolean writesAhead() {
        return keepAlive && !writeAhead.isZero() && !writeAhead.isNegative();
    }

    /** Whether servers are tracked at all: a group of one is never taken out of service (nginx does the same). */
    boolean tracksHealth() {
        return addresses.size() > 1;
    }
}
