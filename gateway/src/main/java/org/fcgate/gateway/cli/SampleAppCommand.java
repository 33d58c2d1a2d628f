package org.fcgate.gateway.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.fcgate.fcgi.sample.LegacyApp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fcgate sample-app}: the sample legacy FastCGI app (docs/sample-app.md), from the same jar. */
@Command(name = "sample-app", mixinStandardHelpOptions = true,
        description = "Run the sample legacy FastCGI app (fd 0 when no option is given).")
public final class SampleAppCommand implements Callable<Integer> {

    @Option(names = "--socket", paramLabel = "PATH", description = "Listen on a Unix domain socket.")
    String socket;

    @Option(names = "--tcp", paramLabel = "HOST:PORT", description = "Listen on TCP.")
    String tcp;

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>();
        if (socket != null) {
            args.add("--socket");
            args.add(socket);
        }
        if (tcp != null) {
            args.add("--tcp");
            args.add(tcp);
        }
        LegacyApp.main(args.toArray(String[]::new)); // serves until stopped; exits itself on errors
        return 0;
    }
}
