package org.fcgate.fcgi.sample;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.fcgate.fcgi.app.FcgiHandler;
import org.fcgate.fcgi.app.FcgiRequest;
import org.fcgate.fcgi.app.FcgiResponse;
import org.fcgate.fcgi.app.FcgiServer;
import org.fcgate.fcgi.app.NotAListenSocketException;

/**
 * A sample "legacy" FastCGI application for testing gateways and process managers; the main class of
 * {@code fcgi-protocol.jar}.
 *
 * <p>Started with no argument it accepts on the listening socket inherited as fd 0 ({@code FCGI_LISTENSOCK_FILENO},
 * as a process manager starts it); {@code --socket PATH} listens on a Unix socket, {@code --tcp HOST:PORT} on TCP,
 * {@code --help} prints usage. Exit status: 2 for bad arguments, 3 when fd 0 is not a listening socket, 4 when it
 * cannot listen, 134 for {@code crash=}, the given code for {@code exit=}. SIGTERM finishes the request in progress,
 * then exits (143).
 *
 * <p><b>Deliberately not thread-safe</b>, like much old CGI code: the response is built in one static
 * {@link StringBuilder}, the body is hashed with one static {@link MessageDigest}, requests are counted in a static
 * field, and {@code leak=} keeps memory in a static list. Two requests at once would corrupt each other; the
 * {@link org.fcgate.fcgi.app.FcgiServer} runtime never does that (one connection, one request at a time).
 *
 * <p>Default response (200, {@code text/plain}): one line {@code NAME=VALUE} per FastCGI param, sorted by name, then
 * {@code body-length=N}, {@code body-sha256=HEX}, {@code requests-served=N} (this one included) and {@code pid=PID}.
 * The request body is always read whole first. QUERY_STRING ({@code a=b&c=d}) asks for misbehaviour:
 * <ul>
 *   <li>{@code crash=before}: {@code Runtime.halt(134)} before any output (no END_REQUEST; the peer sees EOF);</li>
 *   <li>{@code leak=MB}: keep MB more MiB in a static list (until OutOfMemoryError ends the process);</li>
 *   <li>{@code sleep=MS}: wait MS milliseconds before answering, returning early if the request is aborted (logs
 *       {@code legacy-app: request ID sleeping MS ms} on the process's stderr first);</li>
 *   <li>{@code stderr=LINES}: write that many lines to STDERR; {@code stderr-bytes=N}: one STDERR line of N bytes;</li>
 *   <li>{@code status=CODE}: answer with that status (200..999);</li>
 *   <li>{@code crash=after}: send the head and part of the body, flush them to the socket, then halt(134);</li>
 *   <li>{@code echo=1}: the body of the response is the request body ({@code application/octet-stream});</li>
 *   <li>{@code size=BYTES}: a body of BYTES bytes where byte {@code i} is {@code 'a' + i % 26}, with Content-Length;</li>
 *   <li>{@code exit=CODE}: after END_REQUEST was sent, {@code System.exit(CODE)} (clean: shutdown hooks run).</li>
 * </ul>
 * They apply in that order; {@code echo} wins over {@code size}. A malformed value (e.g. {@code status=abc}) makes the
 * handler throw: 500, one STDERR line, appStatus 1. Unknown names are ignored. See {@code docs/sample-app.md}.
 */
public final class LegacyApp implements FcgiHandler {

    /** Exit status of {@code crash=}: what an abort (SIGABRT, 128 + 6) looks like to a process manager. */
    static final int CRASH_STATUS = 134;

    private static final int PATTERN_CHUNK = 26 * 2520; // a multiple of 26 below 64 KiB keeps the pattern aligned
    private static final byte[] PATTERN = pattern(PATTERN_CHUNK);

    // Global mutable state reused across requests: the point of this sample.
    private static final StringBuilder RESPONSE = new StringBuilder();
    private static final MessageDigest SHA256 = sha256();
    private static final List<byte[]> LEAKED = new ArrayList<>();
    private static long requestsServed;

    /** Why the app did not start: exit statuses a process manager can tell apart. */
    private enum Failure {
        USAGE(2), NO_LISTEN_SOCKET(3), CANNOT_LISTEN(4);

        final int exitStatus;

        Failure(int exitStatus) {
            this.exitStatus = exitStatus;
        }
    }

    public static void main(String[] args) throws IOException {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            // One line per log record, on stderr (java.util.logging is the JDK's System.Logger backend).
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT %4$s %3$s: %5$s%6$s%n");
        }
        CommandLine cli;
        try {
            cli = CommandLine.parse(args);
        } catch (IllegalArgumentException e) {
            exit(Failure.USAGE, e.getMessage() + "\n" + CommandLine.USAGE);
            return;
        }
        if (cli.help()) {
            System.out.println(CommandLine.USAGE);
            return;
        }
        FcgiServer server;
        try {
            server = FcgiServer.builder().handler(new LegacyApp()).endpoint(cli.endpoint()).build();
        } catch (NotAListenSocketException e) {
            exit(Failure.NO_LISTEN_SOCKET, e.getMessage());
            return;
        } catch (IOException e) {
            exit(Failure.CANNOT_LISTEN, "cannot listen on " + cli.endpoint() + ": " + e);
            return;
        }
        server.stopOnShutdown();
        System.err.println("legacy-app: pid " + ProcessHandle.current().pid() + " accepting on "
                + server.localAddress());
        server.serve();
    }

    private static void exit(Failure failure, String message) {
        System.err.println("legacy-app: " + message);
        System.exit(failure.exitStatus);
    }

    @Override
    public void handle(FcgiRequest request, FcgiResponse response) throws Exception {
        QueryString q = QueryString.parse(request.param("QUERY_STRING", ""));
        String crash = q.get("crash");
        if (crash != null && !crash.equals("before") && !crash.equals("after")) {
            throw new IllegalArgumentException("crash must be before or after, got '" + crash + "'");
        }
        if ("before".equals(crash)) {
            Runtime.getRuntime().halt(CRASH_STATUS);
        }
        byte[] body = request.body().readAllBytes();
        requestsServed++;
        if (q.has("leak")) {
            LEAKED.add(new byte[(int) q.number("leak", 0, 1024) * 1024 * 1024]);
        }
        if (q.has("sleep")) {
            long millis = q.number("sleep", 0, 24 * 3600 * 1000L);
            System.err.println("legacy-app: request " + request.requestId() + " sleeping " + millis + " ms");
            sleep(request, millis);
        }
        writeStderr(q, response);
        if (q.has("status")) {
            response.status((int) q.number("status", 200, 999));
        }
        OutputStream out = response.body();
        if ("after".equals(crash)) {
            response.contentType("text/plain; charset=UTF-8");
            out.write("partial response, then a crash\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Runtime.getRuntime().halt(CRASH_STATUS);
        }
        if (q.has("echo")) {
            response.contentType("application/octet-stream").header("Content-Length", String.valueOf(body.length));
            out.write(body);
        } else if (q.has("size")) {
            writePattern(response, q.number("size", 0, Long.MAX_VALUE));
        } else {
            byte[] text = describe(request, body);
            response.contentType("text/plain; charset=UTF-8").header("Content-Length", String.valueOf(text.length));
            out.write(text);
        }
        if (q.has("exit")) {
            int code = (int) q.number("exit", 0, 255);
            response.afterEnd(() -> System.exit(code));
        }
    }

    private static byte[] describe(FcgiRequest request, byte[] body) {
        RESPONSE.setLength(0);
        for (Map.Entry<String, String> p : new TreeMap<>(request.params().toMap()).entrySet()) {
            RESPONSE.append(p.getKey()).append('=').append(p.getValue()).append('\n');
        }
        SHA256.reset();
        RESPONSE.append("body-length=").append(body.length).append('\n')
                .append("body-sha256=").append(HexFormat.of().formatHex(SHA256.digest(body))).append('\n')
                .append("requests-served=").append(requestsServed).append('\n')
                .append("pid=").append(ProcessHandle.current().pid()).append('\n');
        return RESPONSE.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void sleep(FcgiRequest request, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        long left;
        while (!request.isAborted() && (left = deadline - System.nanoTime()) > 0) {
            Thread.sleep(Math.min(50, left / 1_000_000 + 1)); // wakes up to notice an abort
        }
    }

    private static void writeStderr(QueryString q, FcgiResponse response) {
        if (q.has("stderr")) {
            long lines = q.number("stderr", 0, 1_000_000);
            for (long i = 1; i <= lines; i++) {
                response.stderr().println("legacy-app stderr line " + i + " of " + lines);
            }
        }
        if (q.has("stderr-bytes")) {
            response.stderr().println("e".repeat((int) q.number("stderr-bytes", 0, 64 * 1024 * 1024)));
        }
    }

    private static void writePattern(FcgiResponse response, long size) throws IOException {
        response.contentType("application/octet-stream").header("Content-Length", String.valueOf(size));
        OutputStream out = response.body();
        for (long left = size; left > 0; left -= PATTERN_CHUNK) {
            out.write(PATTERN, 0, (int) Math.min(left, PATTERN_CHUNK));
        }
    }

    /** Byte {@code i} of a {@code size=} body. */
    static byte patternByte(long i) {
        return (byte) ('a' + i % 26);
    }

    private static byte[] pattern(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = patternByte(i);
        }
        return b;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
