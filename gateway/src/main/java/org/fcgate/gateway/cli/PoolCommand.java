package org.fcgate.gateway.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.fcgate.gateway.admin.AdminOptions;
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
 * not used. The admin listener is the file's {@code admin:} with {@code --admin} and {@code --admin-token-file}
 * overriding its keys, as for {@code run}. SIGHUP, {@code POST /reload} and {@code fcgate reload --pool} reload the
 * file ({@link PoolServerReload}), one at a time ({@link Reloader}).
 */
@Command(name = "pool", mixinStandardHelpOptions = true,
        description = "Run the pools of a YAML file as FastCGI servers (each pool's listen address), without HTTP. "
                + "SIGHUP reloads the file.")
public final class PoolCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "YAML configuration file.")
    Path config;

    @CommandLine.Mixin
    AdminFlags admin = new AdminFlags();

    @Override
    public Integer call() throws IOException, InterruptedException {
        String text;
        LoadedPools loaded;
        Optional<AdminOptions> adminOptions;
        try {
            text = Files.readString(config);
            loaded = ConfigLoader.create().parsePools(text, config.toAbsolutePath().getParent());
            adminOptions = admin.options(loaded.admin());
        } catch (IOException e) {
            spec.commandLine().getErr().println(config + ": cannot be read: " + e);
            spec.commandLine().getErr().flush();
            return 1;
        } catch (InvalidConfigException e) {
            CheckCommand.printErrors(spec.commandLine().getErr(), config, e);
            return 1;
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println(config + ": " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        }
        List<UpstreamConfig.ManagedPool> pools = loaded.listening();
        if (pools.isEmpty()) {
            spec.commandLine().getErr().println(config + ": pools: no pool has a listen address (pools.NAME.listen: "
                    + "unix:/path or HOST:PORT); fcgate pool runs only those");
            return 1;
        }
        try (RunningPoolServer server = adminOptions.isPresent()
                ? RunningPoolServer.start(pools, PoolManager::create, adminOptions.get())
                : RunningPoolServer.start(pools, PoolManager::create, Optional.empty())) {
            Reloader reloader = reloadable(server, new PoolServerReload.Source(config, text, loaded, admin.config()));
            ReloadSignal.install(() -> reloader.request("SIGHUP"));
            for (Map.Entry<String, String> e : server.addresses().entrySet()) {
                System.out.println("fcgate: pool " + e.getKey() + " on " + e.getValue());
            }
            System.out.flush();
            server.serveUntilShutdown(() -> reloader.close(RELOAD_STOP_WAIT_SECONDS));
        }
        return 0;
    }

    /** Makes {@code server} reload {@code source}'s file on {@code POST /reload} and the returned reloader's requests. */
    static Reloader reloadable(RunningPoolServer server, PoolServerReload.Source source) {
        PoolServerReload reload = new PoolServerReload(source, ConfigLoader.create(), server);
        Reloader reloader = new Reloader(reload::reload);
        reload.releaseOn(reloader.executor());
        server.reloadWith(reloader::request);
        return reloader;
    }

    /** As for {@code run}: how long the stop waits for a running reload before interrupting it. */
    private static final long RELOAD_STOP_WAIT_SECONDS = 5;
}
