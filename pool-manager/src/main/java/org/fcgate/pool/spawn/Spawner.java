package org.fcgate.pool.spawn;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;
import jnr.constants.platform.Fcntl;
import jnr.posix.POSIX;
import jnr.posix.SpawnFileAction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one long-lived thread every child is spawned from. Linux delivers a child's parent-death signal
 * (set by {@code setpriv --pdeathsig}) when the <em>thread</em> that forked it exits, so this thread must
 * live as long as the children: a plain loop that survives any task failure (an executor would replace a
 * failed worker thread, killing every child spawned from it). Only {@link #close()} ends it, after the
 * children are gone.
 */
public final class Spawner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Spawner.class);
    private static final Runnable STOP = () -> { };

    private final POSIX posix;
    /** Null where libc lacks closefrom for posix_spawn: then the list of open descriptors is closed instead. */
    private final ClosingSpawn closingSpawn;
    private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final Thread thread;

    /**
     * What to start.
     *
     * @param argv    argv[0] is executed (absolute path)
     * @param stdinFd descriptor to become the child's fd 0 (the listening socket for FD0), or -1 for /dev/null
     * @param outFd   descriptor to become the child's fd 1 and 2 (the write end of the output pipe)
     */
    public record Request(List<String> argv, List<String> envp, int stdinFd, int outFd) {
    }

    public Spawner(POSIX posix) {
        this.posix = posix;
        this.closingSpawn = loadClosingSpawn();
        this.thread = new Thread(this::loop, "fcgate-spawner");
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs {@code work} on the spawner thread (for setup that must precede a spawn, e.g. creating pipes). */
    public <T> CompletableFuture<T> submit(Supplier<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        tasks.add(() -> {
            try {
                f.complete(work.get());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /**
     * Spawns; must be called on the spawner thread (inside {@link #submit}). Returns the pid, or throws
     * {@link SpawnException} with errno.
     */
    public long spawnOnThisThread(Request req) {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("spawn outside the spawner thread");
        }
        if (closingSpawn != null) {
            return closingSpawn.spawn(req.argv(), req.envp(), req.stdinFd(), req.outFd());
        }
        List<SpawnFileAction> actions = new ArrayList<>();
        if (req.stdinFd() >= 0) {
            actions.add(SpawnFileAction.dup(req.stdinFd(), 0));
        } else {
            actions.add(SpawnFileAction.open("/dev/null", 0, 0 /* O_RDONLY */, 0));
        }
        actions.add(SpawnFileAction.dup(req.outFd(), 1));
        actions.add(SpawnFileAction.dup(req.outFd(), 2));
        // Fallback without closefrom: close every other descriptor the JVM holds (sockets, jars, other children's
        // pipes). glibc ignores closing an fd that is not open. Racy: see ClosingSpawn.
        for (int fd : openDescriptors()) {
            if (fd > 2) {
                actions.add(SpawnFileAction.close(fd));
            }
        }
        String program = req.argv().get(0);
        long pid = posix.posix_spawnp(program, actions, req.argv(), req.envp());
        if (pid <= 0) {
            throw new SpawnException("posix_spawnp " + program + " failed", posix.errno());
        }
        return pid;
    }

    /** Creates a pipe whose ends are close-on-exec (so no other child inherits them); returns {read, write}. */
    public int[] pipe() {
        int[] fds = new int[2];
        if (posix.pipe(fds) != 0) {
            throw new SpawnException("pipe failed", posix.errno());
        }
        cloexec(fds[0]);
        cloexec(fds[1]);
        return fds;
    }

    public void cloexec(int fd) {
        posix.fcntlInt(fd, Fcntl.F_SETFD, 1 /* FD_CLOEXEC */);
    }

    public boolean onSpawnerThread() {
        return Thread.currentThread() == thread;
    }

    private static ClosingSpawn loadClosingSpawn() {
        try {
            return ClosingSpawn.load();
        } catch (UnsatisfiedLinkError e) {
            log.warn("libc has no posix_spawn_file_actions_addclosefrom_np (glibc < 2.34?): children may inherit "
                    + "descriptors other threads open while they are spawned ({})", e.getMessage());
            return null;
        }
    }

    private static Set<Integer> openDescriptors() {
        Set<Integer> fds = new java.util.TreeSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : ds) {
                fds.add(Integer.parseInt(p.getFileName().toString()));
            }
        } catch (IOException | NumberFormatException e) {
            log.warn("cannot list /proc/self/fd; children may inherit descriptors", e);
        }
        return fds;
    }

    private void loop() {
        while (true) {
            Runnable task;
            try {
                task = tasks.take();
            } catch (InterruptedException e) {
                // Never leave early: the children's death signal is tied to this thread.
                continue;
            }
            if (task == STOP) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("spawner task failed", e);
            }
        }
    }

    /** Ends the thread; every child still alive then gets SIGKILL from the kernel. */
    @Override
    public void close() {
        tasks.add(STOP);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A failed system call, with its errno. */
    public static final class SpawnException extends RuntimeException {
        private final int errno;

        public SpawnException(String message, int errno) {
            super(message + " (errno " + errno + ")");
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }
}
