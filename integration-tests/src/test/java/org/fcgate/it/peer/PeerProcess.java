package org.fcgate.it.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One started peer process (php-cgi, php-fpm, nginx, the sample app), its stdout and stderr in a log file.
 *
 * <p>Lifecycle:
 * <ol>
 *   <li>{@link #start}: the command runs with exactly the given environment.</li>
 *   <li>{@link #awaitAccepting}: waits until its socket accepts a connection, failing at once (with the log) if the
 *       process exits first.</li>
 *   <li>{@link #close}: SIGTERM, wait; SIGKILL if it did not exit; then asserts that it and every descendant seen
 *       before the stop have exited.</li>
 * </ol>
 */
public final class PeerProcess implements AutoCloseable {

    /** How long a peer gets to start listening or to exit after SIGTERM; not a performance bound. */
    public static final Duration PATIENCE = Duration.ofSeconds(30);

    private final String name;
    private final Process process;
    private final Path log;
    private boolean stopped;

    private PeerProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command} in {@code workDir} with only {@code env}, output appended to {@code log}. */
    public static PeerProcess start(String name, List<String> command, Map<String, String> env, Path workDir,
            Path log) {
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().clear();
        pb.environment().putAll(env);
        try {
            return new PeerProcess(name, pb.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
    }

    /**
     * {@link #start}, then {@link #awaitAccepting} on {@code address}; a process that does not come up is stopped
     * again before the failure is thrown.
     */
    public static PeerProcess startAccepting(String name, List<String> command, Map<String, String> env,
            Path workDir, Path log, SocketAddress address) {
        PeerProcess p = start(name, command, env, workDir, log);
        try {
            p.awaitAccepting(address);
        } catch (RuntimeException | AssertionError e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** What a command run to its end printed (stdout and stderr together) and its exit status. */
    public record Finished(int exit, String output) {
    }

    /** {@link #runToEnd(List, Path, Duration)} in the test's working directory. */
    public static Finished runToEnd(List<String> command, Duration patience) {
        return runToEnd(command, null, patience);
    }

    /**
     * Runs {@code command} (in {@code workDir}, with the test's environment) to its end and returns what it printed;
     * kills it and fails when it takes longer than {@code patience}. The caller judges the exit status.
     */
    public static Finished runToEnd(List<String> command, Path workDir, Duration patience) {
        try {
            Process p = new ProcessBuilder(command).directory(workDir == null ? null : workDir.toFile())
                    .redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(patience.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError(command + " did not finish within " + patience.toSeconds() + " s: "
                        + new String(out, StandardCharsets.UTF_8));
            }
            return new Finished(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** What the process wrote so far (and any log file the caller pointed it to, when that is {@link #log}). */
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** Waits until a connection to {@code address} is accepted; fails with the log if the process exits first. */
    public void awaitAccepting(SocketAddress address) {
        await("%s accepting on %s".formatted(name, address))
                .atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new AssertionError(name + " exited with status " + process.exitValue()
                                + " before accepting on " + address + "; its output:\n" + log());
                    }
                    return accepts(address);
                });
    }

    /** Whether a connection to {@code address} succeeds now (the connection is closed at once). */
    public static boolean accepts(SocketAddress address) {
        try (SocketChannel ch = address instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX)
                : SocketChannel.open()) {
            ch.connect(address);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends signal {@code name} ({@code HUP}) {@code times} times in a row, from one shell (a burst). */
    public void signal(String name, int times) {
        String kill = "kill -" + name + " " + pid();
        String script = String.join("; ", java.util.Collections.nCopies(times, kill));
        Finished f = runToEnd(List.of("sh", "-c", script), PATIENCE);
        if (f.exit() != 0) {
            throw new AssertionError(script + " failed: " + f.output());
        }
    }

    /** Stops the process and asserts that it and its descendants exited. Idempotent. */
    @Override
    public void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        assertThat(process.isAlive()).as("%s (pid %d) exited after SIGTERM/SIGKILL", name, pid()).isFalse();
        for (ProcessHandle d : descendants) {
            try {
                await("%s child %d exits".formatted(name, d.pid()))
                        .atMost(PATIENCE)
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> !ProcessTable.isRunning(d.pid()));
            } catch (ConditionTimeoutException e) {
                d.destroyForcibly(); // do not leave it behind, but still fail: the peer did not stop its children
                throw new AssertionError(name + " left child " + d.pid() + " running after it exited", e);
            }
        }
    }

    /** The environment peers get: a PATH to find helpers and a fixed locale, nothing inherited by accident. */
    public static Map<String, String> baseEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        env.put("LANG", "C");
        return env;
    }

    @Override
    public String toString() {
        return name + " (pid " + pid() + ")";
    }
}
