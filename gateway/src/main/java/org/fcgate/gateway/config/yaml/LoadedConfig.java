package org.fcgate.gateway.config.yaml;

import java.util.List;
import java.util.Objects;
import org.fcgate.gateway.accesslog.AccessLogOptions;
import org.fcgate.gateway.admin.AdminConfig;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.ShutdownOptions;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.pool.config.PoolConfig;

/**
 * A valid configuration file: the gateway's config, whose upstreams hold the managed pools' {@link PoolConfig}s,
 * its logging options, how the process stops ({@code shutdown_delay}, {@code shutdown_timeout}) and its admin
 * listener ({@code admin:}).
 */
public record LoadedConfig(GatewayConfig gateway, AccessLogOptions accessLog, ShutdownOptions shutdown,
                           AdminConfig admin) {

    public LoadedConfig {
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(accessLog, "accessLog");
        Objects.requireNonNull(shutdown, "shutdown");
        Objects.requireNonNull(admin, "admin");
    }

    /** Without an admin listener. */
    public LoadedConfig(GatewayConfig gateway, AccessLogOptions accessLog, ShutdownOptions shutdown) {
        this(gateway, accessLog, shutdown, AdminConfig.off());
    }

    /** With the default logging options (stdout, combined, no slow log) and the default shutdown options. */
    public LoadedConfig(GatewayConfig gateway) {
        this(gateway, AccessLogOptions.defaults(), ShutdownOptions.defaults());
    }

    /** With the default shutdown options. */
    public LoadedConfig(GatewayConfig gateway, AccessLogOptions accessLog) {
        this(gateway, accessLog, ShutdownOptions.defaults());
    }

    /** With the default logging options. */
    public LoadedConfig(GatewayConfig gateway, ShutdownOptions shutdown) {
        this(gateway, AccessLogOptions.defaults(), shutdown);
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
