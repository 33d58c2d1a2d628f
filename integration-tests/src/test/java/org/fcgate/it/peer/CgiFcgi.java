package org.fcgate.it.peer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code cgi-fcgi} (Debian package libfcgi-bin), the FastCGI reference library's CGI-to-FastCGI bridge: its
 * environment becomes the request's PARAMS, its stdin the STDIN stream, and the application's STDOUT its stdout.
 */
public final class CgiFcgi {

    /** What one {@code cgi-fcgi -bind} run printed; its exit status is the request's appStatus. */
    public record Output(int exitStatus, byte[] stdout, String stderr) {
        public String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    private final Path dir;
    private int calls;

    /** A runner that keeps its input and output files in {@code dir}. */
    public CgiFcgi(Path dir) {
        this.dir = dir;
    }

    /** {@code cgi-fcgi -bind -connect SOCKET} with exactly {@code env} as its environment and {@code stdin}. */
    public Output bind(Path socket, Map<String, String> env, byte[] stdin) {
        int n = ++calls;
        Path in = dir.resolve("cgi-fcgi-" + n + ".in");
        Path out = dir.resolve("cgi-fcgi-" + n + ".out");
        Path err = dir.resolve("cgi-fcgi-" + n + ".err");
        try {
            Files.write(in, stdin);
            int status = run(List.of("-bind", "-connect", socket.toString()), env, in, out, err);
            return new Output(status, Files.readAllBytes(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code cgi-fcgi -start -connect SOCKET APP}: binds SOCKET, spawns APP with the listening socket as fd 0
     * ({@code FCGI_LISTENSOCK_FILENO}) and exits. The spawned app outlives it (its output goes to
     * {@code dir/cgi-fcgi-start.log}); the caller must stop it.
     */
    public void start(Path socket, Path app) {
        Path log = dir.resolve("cgi-fcgi-start.log");
        int status = run(List.of("-start", "-connect", socket.toString(), app.toString()),
                PeerProcess.baseEnvironment(), Path.of("/dev/null"), log, log);
        if (status != 0) {
            throw new AssertionError("cgi-fcgi -start exited with " + status + ":\n" + read(log));
        }
    }

    private static int run(List<String> args, Map<String, String> env, Path in, Path out, Path err) {
        Path binary = PeerBinaries.require("cgi-fcgi", "libfcgi-bin");
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(in.toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()));
        pb.environment().clear();
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            if (!p.waitFor(PeerProcess.PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("cgi-fcgi did not finish: " + command + "\n" + read(err));
            }
            return p.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
