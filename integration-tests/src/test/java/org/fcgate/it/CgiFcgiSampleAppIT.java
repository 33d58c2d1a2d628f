package org.fcgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.core.ConditionTimeoutException;
import org.fcgate.it.peer.CgiFcgi;
import org.fcgate.it.peer.LauncherScript;
import org.fcgate.it.peer.PeerProcess;
import org.fcgate.it.peer.ProcessTable;
import org.fcgate.it.peer.SampleAppProcess;
import org.fcgate.it.support.NoLeakedProcesses;
import org.fcgate.it.support.TestBodies;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The FastCGI reference library's {@code cgi-fcgi} driving our application role (the SDK's sample app), both on a
 * socket the app binds and through the fd 0 convention with {@code cgi-fcgi -start}. Peer: libfcgi-bin.
 */
@ExtendWith(NoLeakedProcesses.class)
class CgiFcgiSampleAppIT {

    @TempDir
    Path dir;

    /** Apps that cgi-fcgi spawned: not our children, so found by marker and stopped here. */
    private final List<Long> spawned = new ArrayList<>();
    private SampleAppProcess app;

    @AfterEach
    void stopApps() {
        if (app != null) {
            app.close();
        }
        for (long pid : spawned) {
            stopSpawned(pid);
        }
    }

    @Test
    void bindSendsEnvironmentAsParamsAndStdinAsBody() {
        app = SampleAppProcess.start(dir);
        byte[] body = TestBodies.deterministic(TestBodies.ONE_MIB, 7);
        Map<String, String> env = cgiEnvironment("POST", "greeting=cgi-fcgi&n=2", body.length);

        CgiFcgi.Output out = new CgiFcgi(dir).bind(app.socket(), env, body);

        assertThat(out.stderr()).isEmpty();
        assertThat(out.exitStatus()).as("appStatus").isZero();
        assertResponse(out, expectedLines(env, body, 1, app.process().pid()));
    }

    /**
     * FastCGI 1.0 §2.2: {@code cgi-fcgi -start} binds the socket and starts the app with it as fd 0; the app (run
     * without arguments) accepts on it.
     */
    @Test
    void startSpawnsTheAppWithTheListenSocketOnFdZero() throws IOException {
        Path socket = dir.resolve("spawned.sock");
        String marker = SampleAppProcess.newMarker();
        Path launcher = LauncherScript.write(dir.resolve("launch-app.sh"), SampleAppProcess.javaCommand(marker));
        CgiFcgi cgiFcgi = new CgiFcgi(dir);

        cgiFcgi.start(socket, launcher);
        long pid = awaitSpawned(marker);
        assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "fd", "0")).toString())
                .as("fd 0 of the spawned app").startsWith("socket:");

        for (int i = 1; i <= 2; i++) {
            Map<String, String> env = cgiEnvironment("GET", "round=" + i, -1);
            CgiFcgi.Output out = cgiFcgi.bind(socket, env, new byte[0]);
            assertThat(out.exitStatus()).as("appStatus").isZero();
            assertResponse(out, expectedLines(env, new byte[0], i, pid));
        }
    }

    /** END_REQUEST's appStatus reaches cgi-fcgi, which exits with it; STDERR reaches its stderr. */
    @Test
    void handlerFailureEndsWithAppStatusOne() {
        app = SampleAppProcess.start(dir);

        CgiFcgi.Output out = new CgiFcgi(dir).bind(app.socket(), cgiEnvironment("GET", "status=abc", -1),
                new byte[0]);

        assertThat(out.exitStatus()).as("appStatus").isEqualTo(1);
        assertThat(out.stdoutText()).startsWith("Status: 500 Internal Server Error\r\n");
        assertThat(out.stderr()).contains("fcgi handler failed for /cgi");
    }

    /** What a CGI-speaking web server would set; CONTENT_LENGTH only when there is a body. */
    private static Map<String, String> cgiEnvironment(String method, String query, int contentLength) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("REQUEST_METHOD", method);
        env.put("QUERY_STRING", query);
        env.put("SCRIPT_NAME", "/cgi");
        env.put("REQUEST_URI", "/cgi?" + query);
        env.put("SERVER_PROTOCOL", "HTTP/1.1");
        env.put("GATEWAY_INTERFACE", "CGI/1.1");
        env.put("SERVER_NAME", "localhost");
        env.put("HTTP_X_INTEROP", "grüße ✓");
        if (contentLength >= 0) {
            env.put("CONTENT_LENGTH", Integer.toString(contentLength));
            env.put("CONTENT_TYPE", "application/octet-stream");
        }
        return env;
    }

    /** The sample app's default body: params sorted by name, then the body's length and hash, count and pid. */
    private static List<String> expectedLines(Map<String, String> params, byte[] body, int served, long pid) {
        List<String> lines = new ArrayList<>();
        new TreeMap<>(params).forEach((k, v) -> lines.add(k + "=" + v));
        lines.add("body-length=" + body.length);
        lines.add("body-sha256=" + TestBodies.sha256Hex(body));
        lines.add("requests-served=" + served);
        lines.add("pid=" + pid);
        return lines;
    }

    private static void assertResponse(CgiFcgi.Output out, List<String> expectedLines) {
        String text = out.stdoutText();
        int headEnd = text.indexOf("\r\n\r\n");
        assertThat(headEnd).as("end of the CGI head in:%n%s", text).isPositive();
        List<String> head = List.of(text.substring(0, headEnd).split("\r\n"));
        String body = text.substring(headEnd + 4);
        assertThat(head).containsExactly(
                "Status: 200 OK",
                "Content-Type: text/plain; charset=UTF-8",
                "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length);
        assertThat(body.lines().toList()).containsExactlyElementsOf(expectedLines);
        assertThat(body).endsWith("\n");
    }

    private long awaitSpawned(String marker) {
        List<Long> pids = await("the app cgi-fcgi spawned is running")
                .atMost(PeerProcess.PATIENCE)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> ProcessTable.pidsWithArgument(marker), p -> !p.isEmpty());
        spawned.addAll(pids);
        assertThat(pids).as("processes with %s", marker).hasSize(1);
        return pids.get(0);
    }

    /** SIGTERM, then SIGKILL if it is still running; it is not our child, so wait on /proc rather than waitpid. */
    private static void stopSpawned(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        try {
            await("spawned app " + pid + " exits after SIGTERM")
                    .atMost(PeerProcess.PATIENCE)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> !ProcessTable.isRunning(pid));
        } catch (ConditionTimeoutException e) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            await("spawned app " + pid + " exits after SIGKILL")
                    .atMost(PeerProcess.PATIENCE)
                    .until(() -> !ProcessTable.isRunning(pid));
            throw new AssertionError("spawned app " + pid + " ignored SIGTERM", e);
        }
    }
}
