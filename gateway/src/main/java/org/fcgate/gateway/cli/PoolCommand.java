package org.fcgate.gateway.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.fcgate.gateway.admin.Observability;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.config.yaml.InvalidConfigException;
import org.fcgate.gateway.config.yaml.LoadedPools;
import org.fcgate.gateway.poolserver.RunningPoolServer;
import org.fcgate.pool.PoolManager;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fcgate pool --config FILE}: runs the file's pools that have a {@code listen} address, without the HTTP front,
 * each as a FastCGI server for web servers elsewhere (php-fpm's deployment shape; docs/pool-server.md). The file is
 * checked as {@code run} checks it, except that {@code routes} may be left out; the server settings and routes are
 * not used.
 */
@Command(name = "pool", mixinStandardHelpOptions = true,
        description = "Run the pools of a YAML file as FastCGI servers (each pool's listen address), without HTTP.")
public final class PoolCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "YAML configuration file.")
    Path config;

    @Option(names = "--admin", paramLabel = "HOST:PORT", description = "Admin listener (/metrics, /status, /ping, "
            + "/health/*): PORT alone is 127.0.0.1:PORT (default: off).")
    String admin;

    @Override
    public Integer call() throws IOException, InterruptedException {
        LoadedPools loaded;
        try {
            loaded = ConfigLoader.create().loadPools(config);
        } catch (InvalidConfigException e) {
            CheckCommand.printErrors(spec.commandLine().getErr(), config, e);
            return 1;
        }
        List<UpstreamConfig.ManagedPool> pools = loaded.listening();
        if (pools.isEmpty()) {
            spec.commandLine().getErr().println(config + ": pools: no pool has a listen address (pools.NAME.listen: "
                    + "unix:/path or HOST:PORT); fcgate pool runs only those");
            return 1;
        }
        try (RunningPoolServer server = RunningPoolServer.start(pools, PoolManager::create,
                Optional.ofNullable(admin).map(Observability::parseAddress))) {
            for (Map.Entry<String, String> e : server.addresses().entrySet()) {
                System.out.println("fcgate: pool " + e.getKey() + " on " + e.getValue());
            }
            System.out.flush();
            server.serveUntilShutdown();
        }
        return 0;
    }
}
