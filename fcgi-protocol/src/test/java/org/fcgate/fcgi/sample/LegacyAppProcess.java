package org.fcgate.fcgi.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The sample app as a child JVM ({@code java -cp <classes> org.fcgate.fcgi.sample.LegacyApp …}), with stdout and
 * stderr in a log file. {@link #close()} kills it if it still runs and checks that it is gone.
 */
final class LegacyAppProcess implements AutoCloseable {

    /** Bounds waits on the child: a generous failure bound, not a performance assertion. */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    private final Process process;
    private final Path log;

    private LegacyAppProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** {@code java -cp <where LegacyApp was loaded from> org.fcgate.fcgi.sample.LegacyApp args…} */
    static List<String> javaCommand(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(classpath());
        command.add(LegacyApp.class.getName());
        command.addAll(List.of(args));
        return command;
    }

    static LegacyAppProcess start(List<String> command, Path log) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new LegacyAppProcess(p, log);
    }

    /** Starts the app on a Unix socket and waits until it accepts. */
    static LegacyAppProcess onSocket(Path socket, Path log) throws IOException {
        LegacyAppProcess app = start(javaCommand("--socket", socket.toString()), log);
        app.awaitLog("accepting on");
        return app;
    }

    Process process() {
        return process;
    }

    String log() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    void awaitLog(String text) {
        await().atMost(PATIENCE).until(() -> log().contains(text) || !process.isAlive());
        assertThat(process.isAlive()).as("child alive; log:%n%s", (Object) logOrError()).isTrue();
    }

    int awaitExit() {
        await().atMost(PATIENCE).until(() -> !process.isAlive());
        return process.exitValue();
    }

    private String logOrError() {
        try {
            return log();
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        await().atMost(PATIENCE).until(() -> !process.isAlive());
        assertThat(process.isAlive()).isFalse();
    }

    private static String classpath() {
        try {
            return Path.of(LegacyApp.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the classes of LegacyApp", e);
        }
    }
}
