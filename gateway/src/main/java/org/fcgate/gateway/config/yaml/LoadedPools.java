package org.fcgate.gateway.config.yaml;

import java.util.List;
import org.fcgate.gateway.config.UpstreamConfig;

/** The managed pools of a valid file, as {@code fcgate pool} loads it ({@link ConfigLoader#loadPools}). */
public record LoadedPools(List<UpstreamConfig.ManagedPool> pools) {

    public LoadedPools {
        pools = List.copyOf(pools);
    }

    /** The pools that have a {@code listen} address, in file order: the ones {@code fcgate pool} runs. */
    public List<UpstreamConfig.ManagedPool> listening() {
        return pools.stream().filter(p -> p.listen().isPresent()).toList();
    }
}
