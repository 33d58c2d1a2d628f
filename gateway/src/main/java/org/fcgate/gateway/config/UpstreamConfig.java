package org.fcgate.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.fcgate.pool.config.PoolConfig;

/**
 * A named FastCGI upstream that routes refer to ({@code routes[].fastcgi.upstream}): a pool of children fcgate
 * starts and supervises, or FastCGI servers someone else runs (php-fpm). Names are unique across both kinds.
 */
public sealed interface UpstreamConfig {

    String name();

    /**
     * Children spawned and supervised by the pool manager ({@code pools:} in the YAML file).
     *
     * @param connectTimeout connecting to a leased child's socket
     * @param readTimeout    silence from the child while a response is due; zero: off (the pool's
     *                       {@code request_terminate_timeout} still applies)
     * @param listen         where {@code fcgate pool} exposes the pool to web servers; ignored by {@code run}
     */
    record ManagedPool(String name, PoolConfig pool, Duration connectTimeout, Duration readTimeout,
                       Optional<PoolListen> listen) implements UpstreamConfig {
        public ManagedPool {
            Objects.requireNonNull(pool, "pool");
            Objects.requireNonNull(listen, "listen");
            if (!name.equals(pool.name())) {
                throw new IllegalArgumentException("upstream '" + name + "' holds pool '" + pool.name() + "'");
            }
            External.requirePositive("connect_timeout", connectTimeout);
            if (readTimeout.isNegative()) {
                throw new IllegalArgumentException("read_timeout (" + readTimeout + ") must not be negative");
            }
        }

        /** A pool without a {@code listen} address. */
        public ManagedPool(String name, PoolConfig pool, Duration connectTimeout, Duration readTimeout) {
            this(name, pool, connectTimeout, readTimeout, Optional.empty());
        }

        /** A pool with the timeouts of {@link GatewayDefaults}. */
        public ManagedPool(String name, PoolConfig pool) {
            this(name, pool, GatewayDefaults.POOL_CONNECT_TIMEOUT, GatewayDefaults.POOL_READ_TIMEOUT);
        }
    }

    /**
     * FastCGI servers fcgate only connects to ({@code fastcgi_servers:}), tried round-robin; nginx's {@code upstream}
     * block with {@code server} lines, {@code keepalive} and the {@code fastcgi_*_timeout}s.
     *
     * @param addresses         one or more servers
     * @param keepConn          ask the server to keep the connection open after a request (FCGI_KEEP_CONN, FastCGI
     *                          1.0 §5.1; {@code fastcgi_keep_conn}) and reuse it
     * @param maxConnsPerServer at most this many connections to each server, busy and idle ({@code max_conns})
     * @param idleTimeout       an idle kept connection is closed after this ({@code keepalive_timeout} of an
     *                          upstream block)
     * @param connectTimeout    connecting to a server ({@code fastcgi_connect_timeout})
     * @param readTimeout       silence from the server while a response is due ({@code fastcgi_read_timeout})
     * @param sendTimeout       the server not taking request bytes ({@code fastcgi_send_timeout})
     * @param failover          tries on other servers, ejection and active health checks (groups of two or more)
     * @param writeAhead        with {@code keepConn}: a request that would wait for a connection may be written on a
     *                          busy kept one whose current request runs for less than this ({@code write_ahead});
     *                          {@link Duration#ZERO} is off, the default
     */
    record External(String name, List<FastCgiAddress> addresses, boolean keepConn, int maxConnsPerServer,
                    Duration idleTimeout, Duration connectTimeout, Duration readTimeout, Duration sendTimeout,
                    Failover failover, Duration writeAhead)
            implements UpstreamConfig {
        public External {
            addresses = List.copyOf(addresses);
            Objects.requireNonNull(failover, "failover");
            Objects.requireNonNull(writeAhead, "writeAhead");
            if (writeAhead.isNegative()) {
                throw new IllegalArgumentException("write_ahead (" + writeAhead + ") must not be negative");
            }
            if (addresses.isEmpty()) {
                throw new IllegalArgumentException("fastcgi_server '" + name + "' needs at least one address");
            }
            if (new java.util.HashSet<>(addresses).size() != addresses.size()) {
                throw new IllegalArgumentException("fastcgi_server '" + name + "' lists an address twice");
            }
            if (maxConnsPerServer < 1) {
                throw new IllegalArgumentException("max_conns_per_server (" + maxConnsPerServer
                        + ") must be at least 1");
            }
            requirePositive("idle_timeout", idleTimeout);
            requirePositive("connect_timeout", connectTimeout);
            requirePositive("read_timeout", readTimeout);
            requirePositive("send_timeout", sendTimeout);
        }

        /** With {@code write_ahead} off. */
        public External(String name, List<FastCgiAddress> addresses, boolean keepConn, int maxConnsPerServer,
                        Duration idleTimeout, Duration connectTimeout, Duration readTimeout, Duration sendTimeout,
                        Failover failover) {
            this(name, addresses, keepConn, maxConnsPerServer, idleTimeout, connectTimeout, readTimeout, sendTimeout,
                    failover, Duration.ZERO);
        }

        /** With the default {@link Failover}. */
        public External(String name, List<FastCgiAddress> addresses, boolean keepConn, int maxConnsPerServer,
                        Duration idleTimeout, Duration connectTimeout, Duration readTimeout, Duration sendTimeout) {
            this(name, addresses, keepConn, maxConnsPerServer, idleTimeout, connectTimeout, readTimeout, sendTimeout,
                    Failover.defaults());
        }

        /** The defaults of {@link GatewayDefaults} for these addresses. */
        public static External withDefaults(String name, List<FastCgiAddress> addresses) {
            return new External(name, addresses, GatewayDefaults.FASTCGI_KEEP_CONN,
                    GatewayDefaults.FASTCGI_MAX_CONNS_PER_SERVER, GatewayDefaults.FASTCGI_IDLE_TIMEOUT,
                    GatewayDefaults.FASTCGI_CONNECT_TIMEOUT, GatewayDefaults.FASTCGI_READ_TIMEOUT,
                    GatewayDefaults.FASTCGI_SEND_TIMEOUT);
        }

        private static void requirePositive(String key, Duration d) {
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(key + " (" + d + ") must be positive");
            }
        }
    }
}
