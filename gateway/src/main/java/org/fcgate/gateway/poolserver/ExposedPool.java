package org.fcgate.gateway.poolserver;

import java.time.Duration;
import java.util.Objects;
import org.fcgate.gateway.config.PoolListen;
import org.fcgate.pool.Pool;

/**
 * A running pool and where the pool server exposes it.
 *
 * @param connectTimeout connecting to a leased child's socket ({@code connect_timeout} of the pool)
 */
public record ExposedPool(Pool pool, PoolListen listen, Duration connectTimeout) {

    public ExposedPool {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
    }
}
