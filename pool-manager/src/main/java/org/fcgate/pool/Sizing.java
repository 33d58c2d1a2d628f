package org.fcgate.pool;

import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;

/**
 * How many children each {@code pm} mode wants (php-fpm {@code fpm_pctl_perform_idle_server_maintenance}):
 * pure arithmetic over the current counts, no state of its own.
 *
 * <ul>
 *   <li>{@code static}: always {@code max_children}; idle children never time out.</li>
 *   <li>{@code dynamic}: {@code start_servers} at start; spawn while idle + starting is below
 *       {@code min_spare_servers}; stop above {@code max_spare_servers}; idle time out above min spare.</li>
 *   <li>{@code ondemand}: none at start; spawn only for waiting callers; every idle child times out.</li>
 * </ul>
 * In every mode waiting callers ask for one child each (minus those already starting), capped by
 * {@code max_children}.
 */
final class Sizing {
    private PoolConfig config;

    Sizing(PoolConfig config) {
        this.config = config;
    }

    /** After {@code Pool.resize}: the counts below follow the new configuration. */
    void config(PoolConfig resized) {
        this.config = resized;
    }

    int initialChildren() {
        return switch (config.pm()) {
            case STATIC -> config.maxChildren();
            case DYNAMIC -> config.startServers();
            case ONDEMAND -> 0;
        };
    }

    /** Children to spawn now (before pacing and the crash guard), never negative past the cap. */
    int toSpawn(int live, int idle, int starting, int waiting) {
        int want = switch (config.pm()) {
            case STATIC -> config.maxChildren() - live;
            case DYNAMIC -> config.minSpareServers() - (idle + starting);
            case ONDEMAND -> 0;
        };
        want = Math.max(want, waiting - starting);
        return Math.min(want, config.maxChildren() - live);
    }

    /** Idle children above this many are stopped at once, least recently used first. */
    int maxIdle() {
        return config.pm() == PmMode.DYNAMIC ? config.maxSpareServers() : Integer.MAX_VALUE;
    }

    /** Idle children above this many are stopped once idle for {@code idle_timeout}. */
    int idleKept() {
        return switch (config.pm()) {
            case STATIC -> Integer.MAX_VALUE;
            case DYNAMIC -> config.minSpareServers();
            case ONDEMAND -> 0;
        };
    }

    /** When an idle child idle since {@code idleSinceNanos} times out. */
    long idleDeadline(long idleSinceNanos) {
        return idleSinceNanos + config.idleTimeout().toNanos();
    }
}
