package org.fcgate.gateway.config.yaml;

import java.util.List;
import java.util.Objects;
import org.fcgate.gateway.admin.AdminConfig;
import org.fcgate.gateway.config.ShutdownOptions;
import org.fcgate.gateway.config.UpstreamConfig;

/**
 * The managed pools of a valid file, as {@code fcgate pool} loads it ({@link ConfigLoader#loadPools}), with the
 * file's {@code shutdown_timeout} (how long a reload lets a replaced pool generation finish its requests) and its
 * admin listener ({@code admin:}).
 */
public record LoadedPools(List<UpstreamConfig.ManagedPool> pools, ShutdownOptions shutdown, AdminConfig admin) {

    public LoadedPools {
        pools = List.copyOf(pools);
        Objects.requireNonNull(shutdown, "shutdown");
        Objects.requireNonNull(admin, "admin");
    }

    /** With the default shutdown options and no admin listener. */
    public LoadedPools(List<UpstreamConfig.ManagedPool> pools) {
        this(pools, ShutdownOptions.defaults(), AdminConfig.off());
    }

    /** The pools that have a {@code listen} address, in file order: the ones {@code fcgate pool} runs. */
    public List<UpstreamConfig.ManagedPool> listening() {
        return pools.stream().filter(p -> p.listen().isPresent()).toList();
    }
}
