package org.fcgate.it.peer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code curl -sS -D - …} (Debian package curl) as the HTTP client in front of nginx. Output goes to files, not pipes,
 * so a large body cannot stall the child.
 */
public final class Curl {

    /** The final response (after any {@code 100 Continue}): status, header lines and the raw body. */
    public record Response(int status, List<String> headers, byte[] body) {

        /** The first value of {@code name} (case-insensitive), or {@code null}. */
        public String header(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            for (String h : headers) {
                if (h.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                    return h.substring(prefix.length()).trim();
                }
            }
            return null;
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The body's lines, for the sample app's {@code NAME=VALUE} answer. */
        public List<String> bodyLines() {
            return bodyText().lines().toList();
        }
    }

    private final Path dir;
    private int calls;

    /** A curl runner that keeps its output files in {@code dir}. */
    public Curl(Path dir) {
        this.dir = dir;
    }

    public Response get(String url) {
        return run(List.of(url));
    }

    /** POST of the file's bytes as they are ({@code --data-binary @file}). */
    public Response post(String url, Path body) {
        return run(List.of("--data-binary", "@" + body, url));
    }

    /** Runs {@code curl -sS -D - ARGS} and parses what it printed; fails on a non-zero exit with curl's stderr. */
    public Response run(List<String> args) {
        int n = ++calls;
        Path out = dir.resolve("curl-" + n + ".out");
        Path err = dir.resolve("curl-" + n + ".err");
        int status = exec(args, out, err);
        try {
            if (status != 0) {
                throw new AssertionError("curl exited with " + status + ": " + args + "\n" + Files.readString(err));
            }
            return parse(Files.readAllBytes(out));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code curl -sS -D - ARGS} for its exit status only (curl's exit codes are in curl(1)). */
    public int exitStatus(List<String> args) {
        int n = ++calls;
        return exec(args, dir.resolve("curl-" + n + ".out"), dir.resolve("curl-" + n + ".err"));
    }

    private static int exec(List<String> args, Path out, Path err) {
        Path binary = PeerBinaries.require("curl", "curl");
        List<String> command = new ArrayList<>(List.of(binary.toString(), "-sS", "-D", "-"));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().clear(); // no http_proxy and friends from the machine
        try {
            Process p = pb.start();
            if (!p.waitFor(PeerProcess.PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("curl did not finish: " + command);
            }
            return p.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Splits {@code -D -} output: header blocks (1xx ones skipped) then the body. */
    static Response parse(byte[] out) {
        int start = 0;
        while (true) {
            int end = indexOf(out, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), start);
            if (end < 0) {
                throw new AssertionError("no end of headers in curl output:\n"
                        + new String(out, StandardCharsets.ISO_8859_1));
            }
            String block = new String(out, start, end - start, StandardCharsets.ISO_8859_1);
            List<String> lines = List.of(block.split("\r\n"));
            int status = Integer.parseInt(lines.get(0).split(" ")[1]);
            start = end + 4;
            if (status >= 200) {
                return new Response(status, lines.subList(1, lines.size()), Arrays.copyOfRange(out, start, out.length));
            }
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
