package org.fcgate.gateway.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.fcgate.gateway.admin.AdminConfig;
import org.fcgate.gateway.admin.AdminOptions;
import org.fcgate.gateway.admin.AdminToken;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.config.yaml.InvalidConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fcgate reload [--config FILE [--pool]] [--admin HOST:PORT] [--admin-token-file FILE]}: asks a running
 * {@code fcgate run} (or, with {@code --pool}, {@code fcgate pool}) to reload its configuration file, through {@code POST /reload} on its admin listener with the
 * admin token, and waits for the answer. The address and token come from the file's {@code admin:} keys, each
 * overridden by its flag. With {@code --config} the file is checked first: one with errors is not sent (they are
 * printed, as {@code fcgate check} does). Exit 0: reloaded, or the file is the configuration in force; exit 1:
 * rejected (every error printed; the gateway keeps its configuration), refused, or unreachable, each with its reason.
 * Without an admin listener, {@code kill -HUP PID} reloads as well, without an answer.
 */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = "Ask a running 'fcgate run' (or 'fcgate pool', with --pool) to reload its configuration file (POST /reload on the admin "
                + "listener, with the admin token); prints what changed, or every error.")
public final class ReloadCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "The gateway's configuration file: checked "
            + "first, and its admin.listen and admin.token_file say where to ask.")
    Path config;

    @Option(names = "--pool", description = "The file is a pool server's ('fcgate pool --config FILE'): checked as "
            + "that command checks it (routes optional).")
    boolean pool;

    @CommandLine.Mixin
    AdminFlags admin = new AdminFlags();

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long to wait for the reload's answer (new pool generations must start first).")
    Duration timeout = Duration.ofSeconds(120);

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AdminConfig fromFile = AdminConfig.off();
        if (config != null) {
            try {
                fromFile = pool ? ConfigLoader.create().loadPools(config).admin()
                        : ConfigLoader.create().load(config).admin();
            } catch (InvalidConfigException e) {
                CheckCommand.printErrors(err, config, e);
                err.println("fcgate reload: not sent; the gateway keeps its configuration");
                err.flush();
                return 1;
            }
        }
        AdminConfig merged = fromFile.overriddenBy(admin.config());
        if (merged.listen().isEmpty()) {
            return fail(err, "needs the admin listener's address: admin.listen in the --config file, or --admin "
                    + "HOST:PORT (without an admin listener, send SIGHUP: kill -HUP PID)");
        }
        if (merged.tokenFile().isEmpty()) {
            return fail(err, "needs the admin token: admin.token_file in the --config file, or --admin-token-file");
        }
        Optional<AdminOptions> options = merged.options();
        URI uri = uri(options.orElseThrow().listen());
        AdminToken.readFile(merged.tokenFile().get()); // a clear error for a short token, before connecting
        String token = java.nio.file.Files.readString(merged.tokenFile().get()).strip();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpConnectTimeoutException | ConnectException e) {
            return fail(err, "cannot connect to the admin listener at " + uri + " (" + describe(e) + "): is fcgate "
                    + "run going, with admin.listen (or --admin) at this address?");
        } catch (HttpTimeoutException e) {
            return fail(err, "no answer from " + uri + " within " + timeout.toSeconds() + " s; the reload may "
                    + "still be running (see the gateway's log)");
        } catch (IOException e) {
            return fail(err, "the admin listener at " + uri + " did not answer: " + describe(e));
        }
        return switch (response.statusCode()) {
            case 200 -> {
                out.print(response.body());
                out.flush();
                yield 0;
            }
            case 401 -> fail(err, "the admin listener at " + uri + " refused the token (401): check admin.token_file "
                    + "or --admin-token-file against the running gateway's");
            case 404 -> fail(err, "the admin listener at " + uri + " has no control endpoints (404): the running "
                    + "gateway was started without an admin token");
            default -> {
                err.print(response.body());
                yield fail(err, "reload " + (response.statusCode() == 422 ? "rejected" : "refused") + " (HTTP "
                        + response.statusCode() + ")");
            }
        };
    }

    /** {@code http://HOST:PORT/reload}; a wildcard listen address is asked on loopback. */
    static URI uri(ListenAddress a) {
        String host = switch (a.host()) {
            case "0.0.0.0" -> "127.0.0.1";
            case "::", "0:0:0:0:0:0:0:0" -> "[::1]";
            default -> a.host().contains(":") ? "[" + a.host() + "]" : a.host();
        };
        return URI.create("http://" + host + ":" + a.port() + "/reload");
    }

    private static String describe(IOException e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static int fail(PrintWriter err, String message) {
        err.println("fcgate reload: " + message);
        err.flush();
        return 1;
    }
}
