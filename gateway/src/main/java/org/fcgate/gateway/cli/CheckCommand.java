package org.fcgate.gateway.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.config.yaml.InvalidConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fcgate check --config FILE}: loads and validates a configuration file without starting anything, like
 * {@code nginx -t} and {@code php-fpm -t}. Prints {@code configuration OK} and exits 0, or prints every error on a
 * line of its own to stderr and exits 1.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Validate a configuration file; print every error, or 'configuration OK'.")
public final class CheckCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "YAML configuration file.")
    Path config;

    @Override
    public Integer call() {
        try {
            ConfigLoader.create().load(config);
        } catch (InvalidConfigException e) {
            printErrors(spec.commandLine().getErr(), config, e);
            return 1;
        }
        spec.commandLine().getOut().println("configuration OK");
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** Each error on a line of its own, prefixed by the file, then the count (shared with {@code run}). */
    static void printErrors(PrintWriter err, Path file, InvalidConfigException e) {
        for (String line : e.lines()) {
            err.println(file + ": " + line);
        }
        int n = e.problems().size();
        err.println(file + ": " + n + " error" + (n == 1 ? "" : "s"));
        err.flush();
    }
}
