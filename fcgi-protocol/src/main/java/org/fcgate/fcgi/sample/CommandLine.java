package org.fcgate.fcgi.sample;

import java.nio.file.Path;
import org.fcgate.fcgi.app.FcgiEndpoint;

/**
 * The sample app's arguments: none (fd 0), {@code --socket PATH}, {@code --tcp HOST:PORT} or {@code --help}.
 *
 * @param endpoint where to listen; {@code null} with {@code help}
 * @param help     print usage and exit 0
 */
record CommandLine(FcgiEndpoint endpoint, boolean help) {

    static final String USAGE = """
            usage: java -jar fcgi-protocol.jar [--socket PATH | --tcp HOST:PORT | --help]
              (no option)      accept on the listening socket passed as fd 0 (FCGI_LISTENSOCK_FILENO)
              --socket PATH    listen on a Unix domain socket (mode 0600; a stale socket file is replaced)
              --tcp HOST:PORT  listen on TCP, e.g. 127.0.0.1:9000
              --help           print this text
            QUERY_STRING options: echo=1 sleep=MS status=CODE crash=before|after exit=CODE leak=MB
                                  stderr=LINES stderr-bytes=N size=BYTES (see docs/sample-app.md)
            exit codes: 2 bad arguments, 3 fd 0 is not a listening socket, 4 cannot listen, 134 crash=""";

    /** @throws IllegalArgumentException for anything else, with a message for the user */
    static CommandLine parse(String... args) {
        if (args.length == 0) {
            return new CommandLine(FcgiEndpoint.inherited(), false);
        }
        return switch (args[0]) {
            case "--help", "-h" -> {
                requireCount(args, 1);
                yield new CommandLine(null, true);
            }
            case "--socket" -> {
                requireCount(args, 2);
                yield new CommandLine(FcgiEndpoint.unix(Path.of(args[1])), false);
            }
            case "--tcp" -> {
                requireCount(args, 2);
                yield new CommandLine(FcgiEndpoint.tcp(args[1]), false);
            }
            default -> throw new IllegalArgumentException("unknown argument: " + args[0]);
        };
    }

    private static void requireCount(String[] args, int count) {
        if (args.length != count) {
            throw new IllegalArgumentException(args[0] + (count == 1 ? " takes no value" : " takes one value")
                    + (args.length > count ? "; unexpected " + args[count] : ""));
        }
    }
}
