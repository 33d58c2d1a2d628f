package org.fcgate.gateway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code fcgate}: the gateway's command line. */
@Command(name = "fcgate", mixinStandardHelpOptions = true, versionProvider = FcgateCommand.Version.class,
        description = "FastCGI gateway and worker-pool process manager.",
        subcommands = {ServeCommand.class, RunCommand.class, ReloadCommand.class, PoolCommand.class,
                CheckCommand.class, SampleAppCommand.class})
public final class FcgateCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try: fcgate --help)");
    }

    /** {@code fcgate --version}: the jar's Implementation-Version, as SERVER_SOFTWARE shows it. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {org.fcgate.gateway.cgi.ServerSoftware.current()};
        }
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with fcgate's error handling: a failure prints one line, not a stack trace. */
    public static CommandLine commandLine() {
        return new CommandLine(new FcgateCommand())
                .setExecutionExceptionHandler((ex, cmd, parsed) -> {
                    cmd.getErr().println("fcgate: " + ex.getMessage()
                            + (ex.getCause() != null ? " (" + ex.getCause().getMessage() + ")" : ""));
                    return 1;
                });
    }
}
