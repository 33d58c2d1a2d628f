package org.fcgate.gateway.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.config.yaml.InvalidConfigException;
import org.fcgate.gateway.config.yaml.LoadedConfig;
import org.fcgate.pool.PoolManager;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fcgate run --config FILE}: loads and validates the file (every error printed, exit 1, nothing started),
 * starts its pools, connects its FastCGI routes to them and to its external servers, and serves until SIGTERM or
 * SIGINT, which drains ({@code shutdown_delay}, {@code shutdown_timeout}; see {@link RunningGateway}) and exits 0.
 * SIGHUP, {@code POST /reload} and {@code fcgate reload} reload the file ({@link ConfigReload}). The admin listener is
 * the file's {@code admin:} with {@code --admin} and {@code --admin-token-file} overriding its keys.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the gateway as a YAML configuration file describes it.")
public final class RunCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "YAML configuration file.")
    Path config;

    @CommandLine.Mixin
    AdminFlags admin = new AdminFlags();

    @Override
    public Integer call() throws IOException, InterruptedException {
        String text;
        LoadedConfig loaded;
        try {
            text = Files.readString(config);
            loaded = ConfigLoader.create().parse(text, config.toAbsolutePath().getParent());
        } catch (IOException e) {
            spec.commandLine().getErr().println(config + ": cannot be read: " + e);
            spec.commandLine().getErr().flush();
            return 1;
        } catch (InvalidConfigException e) {
            CheckCommand.printErrors(spec.commandLine().getErr(), config, e);
            return 1;
        }
        try (RunningGateway gateway = RunningGateway.start(loaded.gateway(), PoolManager::create,
                admin.options(loaded.admin()), loaded.accessLog(), loaded.shutdown())) {
            gateway.reloadFrom(new ConfigReload.Source(config, text, loaded, admin.config()));
            System.out.println("fcgate: " + config + " on port " + gateway.port());
            System.out.flush();
            gateway.serveUntilShutdown(() -> { });
        }
        return 0;
    }

    /** Starts a loaded configuration (tests pass port 0 and a manager with a short runtime directory). */
    static RunningGateway start(LoadedConfig loaded, Supplier<PoolManager> managers)
            throws IOException, InterruptedException {
        return RunningGateway.start(loaded.gateway(), managers);
    }
}
