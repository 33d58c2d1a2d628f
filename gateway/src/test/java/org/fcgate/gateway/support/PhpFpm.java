package org.fcgate.gateway.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real php-fpm 8.2 for the gateway's tests: {@code php-fpm8.2 -F -R [-n] -y DIR/fpm.conf}, a static pool
 * {@code [www]} on {@code DIR/fpm.sock} in a private directory under /tmp, stopped by PID.
 *
 * <p>Lifecycle: {@link #start} (returns once the socket exists) → requests → {@link #close()} (SIGTERM to the master,
 * waits up to 20 s, removes the directory).
 */
public final class PhpFpm implements AutoCloseable {

    /** Whether php-fpm reads the machine's php.ini. */
    public enum PhpIni {
        /** The machine's php.ini, as an operator's php-fpm has it. */
        DEFAULT,
        /** {@code -n}: no php.ini, so nothing of the machine's configuration shows. */
        NONE
    }

    private final Path dir;
    private final Process process;

    private PhpFpm(Path dir, Process process) {
        this.dir = dir;
        this.process = process;
    }

    /**
     * Starts php-fpm in a new directory {@code /tmp/PREFIX…} with {@code maxChildren} static children and
     * {@code poolLines} added to the pool section (e.g. {@code ping.path = /ping}).
     */
    public static PhpFpm start(String prefix, int maxChildren, PhpIni ini, String... poolLines)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), prefix);
        Files.writeString(dir.resolve("fpm.conf"), """
                [global]
                pid = %1$s/fpm.pid
                error_log = %1$s/fpm.log
                daemonize = no
                [www]
                user = root
                listen = %1$s/fpm.sock
                pm = static
                pm.max_children = %2$d
                """.formatted(dir, maxChildren) + String.join("", Stream.of(poolLines).map(l -> l + "\n").toList()));
        List<String> command = new ArrayList<>(List.of("/usr/sbin/php-fpm8.2", "-F", "-R"));
        if (ini == PhpIni.NONE) {
            command.add("-n");
        }
        command.addAll(List.of("-y", dir.resolve("fpm.conf").toString()));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        PhpFpm fpm = new PhpFpm(dir, process);
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(fpm.socket()));
        } catch (RuntimeException | AssertionError e) {
            fpm.close();
            throw e;
        }
        return fpm;
    }

    /** The private directory: the configuration, logs, the socket, and whatever scripts the test writes. */
    public Path dir() {
        return dir;
    }

    public Path socket() {
        return dir.resolve("fpm.sock");
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy(); // SIGTERM to the master, by PID
        process.waitFor(20, TimeUnit.SECONDS);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
