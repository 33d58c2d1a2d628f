package org.fcgate.gateway.config.yaml;

import java.util.List;
import java.util.Objects;
import org.fcgate.gateway.accesslog.AccessLogOptions;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.pool.config.PoolConfig;

/**
 * A valid configuration file: the gateway's config, whose upstreams hold the managed pools' {@link PoolConfig}s,
 * and its logging options.
 */
public record LoadedConfig(GatewayConfig gateway, AccessLogOptions accessLog) {

    public LoadedConfig {
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(accessLog, "accessLog");
    }

    /** With the default logging options (stdout, combined, no slow log). */
    public LoadedConfig(GatewayConfig gateway) {
        this(gateway, AccessLogOptions.defaults());
    }

    /** The managed pools, in file order, for {@code PoolManager.addPool}. */
    public List<PoolConfig> pools() {
        return gateway.upstreams().stream()
                .filter(UpstreamConfig.ManagedPool.class::isInstance)
                .map(u -> ((UpstreamConfig.ManagedPool) u).pool())
                .toList();
    }

    /** The external FastCGI servers, in file order. */
    public List<UpstreamConfig.External> externalServers() {
        return gateway.upstreams().stream()
                .filter(UpstreamConfig.External.class::isInstance)
                .map(UpstreamConfig.External.class::cast)
                .toList();
    }
}
