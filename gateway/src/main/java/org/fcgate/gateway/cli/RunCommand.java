package org.fcgate.gateway.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.config.yaml.InvalidConfigException;
import org.fcgate.gateway.config.yaml.LoadedConfig;
import org.fcgate.gateway.http.HttpServer;
import org.fcgate.gateway.upstream.Upstreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fcgate run --config FILE}: loads and validates the file (every error printed, exit 1, nothing started),
 * then serves it as {@code serve} does. Until the FastCGI forwarder is wired in, upstreams are not started and
 * FastCGI routes answer 502 through {@link org.fcgate.gateway.upstream.UnavailableUpstream}.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the gateway as a YAML configuration file describes it.")
public final class RunCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "YAML configuration file.")
    Path config;

    @Override
    public Integer call() throws IOException, InterruptedException {
        LoadedConfig loaded;
        try {
            loaded = ConfigLoader.create().load(config);
        } catch (InvalidConfigException e) {
            CheckCommand.printErrors(spec.commandLine().getErr(), config, e);
            return 1;
        }
        try (HttpServer server = start(loaded)) {
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "fcgate-shutdown"));
            server.awaitClose();
        }
        return 0;
    }

    /** Starts the HTTP front for a loaded configuration (tests call this with port 0). */
    static HttpServer start(LoadedConfig loaded) throws IOException, InterruptedException {
        for (UpstreamConfig u : loaded.gateway().upstreams()) {
            LOG.warn("upstream {} is configured but no FastCGI forwarder is wired in yet: its routes answer 502",
                    u.name());
        }
        return HttpServer.start(loaded.gateway(), Upstreams.none());
    }
}
