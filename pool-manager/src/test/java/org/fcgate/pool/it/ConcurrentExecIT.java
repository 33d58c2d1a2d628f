package org.fcgate.pool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.fcgate.pool.spawn.Spawner;
import org.junit.jupiter.api.Test;

/**
 * Bug, reported: a {@code ProcessBuilder.start()} elsewhere in the JVM hung for 17 minutes while the pool spawned
 * php-cgi children. The JDK's launcher creates its pipes (including the one it reads to learn whether exec worked)
 * without close-on-exec and relies on its own child closing them; a child we spawned in between inherited the write
 * end, so the JDK read no EOF until our child exited. The spawner used to close a list of descriptors taken from
 * {@code /proc/self/fd} before {@code posix_spawnp}, which cannot cover a descriptor opened by another thread after
 * the list was taken. Here one thread starts {@code true} with ProcessBuilder in a loop while the spawner starts
 * long-lived children; every child must hold exactly fds 0, 1 and 2, and every ProcessBuilder start must return.
 */
class ConcurrentExecIT {

    private static final int CHILDREN = 300;

    @Test
    void childrenSpawnedWhileProcessBuilderRunsInheritNoDescriptor() throws Exception {
        POSIX posix = POSIXFactory.getNativePOSIX();
        AtomicBoolean spawning = new AtomicBoolean(true);
        ExecutorService other = Executors.newSingleThreadExecutor();
        List<Long> pids = new ArrayList<>();
        int starts;
        try (Spawner spawner = new Spawner(posix)) {
            CompletableFuture<Integer> processBuilder = CompletableFuture.supplyAsync(() -> {
                int n = 0;
                while (spawning.get()) {
                    try {
                        new ProcessBuilder("true").start().waitFor();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                    n++;
                }
                return n;
            }, other);
            try {
                for (int i = 0; i < CHILDREN; i++) {
                    int[] pipe = spawner.submit(spawner::pipe).join();
                    long pid = spawner.submit(() -> spawner.spawnOnThisThread(new Spawner.Request(
                            List.of("/bin/sleep", "600"), List.of(), -1, pipe[1]))).join();
                    posix.close(pipe[0]);
                    posix.close(pipe[1]);
                    pids.add(pid);
                }
            } finally {
                spawning.set(false);
            }
            // An inherited descriptor stays; the child's own (ld.so opening libc as fd 3 while sleep starts) goes.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(inherited(pids)).as("children holding descriptors beyond 0-2").isEmpty());
            // A start blocked on an inherited pipe would return only when our child exits: they all live for 600 s.
            starts = processBuilder.get(60, TimeUnit.SECONDS);
        } finally {
            for (long pid : pids) {
                posix.kill((int) pid, 9);
                posix.waitpid((int) pid, new int[1], 0);
            }
            other.shutdownNow();
        }
        System.out.printf("ConcurrentExecIT: %d children spawned during %d ProcessBuilder starts%n", CHILDREN, starts);
    }

    private static List<String> inherited(List<Long> pids) throws IOException {
        List<String> leaks = new ArrayList<>();
        for (long pid : pids) {
            TreeSet<Integer> fds = descriptors(pid);
            if (!fds.equals(new TreeSet<>(List.of(0, 1, 2)))) {
                leaks.add("pid " + pid + " fds " + fds);
            }
        }
        return leaks;
    }

    private static TreeSet<Integer> descriptors(long pid) throws IOException {
        TreeSet<Integer> fds = new TreeSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path p : ds) {
                fds.add(Integer.parseInt(p.getFileName().toString()));
            }
        }
        return fds;
    }
}
