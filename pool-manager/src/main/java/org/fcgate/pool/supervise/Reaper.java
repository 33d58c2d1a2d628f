package org.fcgate.pool.supervise;

import java.util.function.Consumer;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.posix.POSIX;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for one child with a thread of its own and reaps it the moment it exits, so no child stays a zombie
 * and a death is noticed at once (no polling).
 *
 * <p>It first waits with {@code waitid(P_PID, pid, WEXITED | WNOWAIT)}, which reports the exit but leaves the
 * zombie in place, then marks the child exited under the same monitor {@link #signal} uses, and only then
 * reaps it with {@code waitpid}. A pid can be reused only after the reap, so a signal can never hit an
 * unrelated process that inherited the pid. Only this pid is waited for: {@code waitpid(-1)} would steal the
 * exit status of processes the JVM started through {@link ProcessBuilder}.
 */
public final class Reaper {
    private static final Logger log = LoggerFactory.getLogger(Reaper.class);
    private static final int P_PID = 1;
    private static final int WEXITED = 4;
    private static final int WNOWAIT = 0x01000000;
    private static final int SIGINFO_BYTES = 128;

    /** The libc call jnr-posix does not expose. */
    public interface LibC {
        int waitid(int idtype, int id, Pointer infop, int options);
    }

    private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

    private final POSIX posix;
    private final long pid;
    private boolean exited;

    private Reaper(POSIX posix, long pid) {
        this.posix = posix;
        this.pid = pid;
    }

    /** Starts the wait thread; {@code onExit} runs on it after the child has been reaped. */
    public static Reaper watch(POSIX posix, long pid, String threadName, Consumer<ExitStatus> onExit) {
        Reaper r = new Reaper(posix, pid);
        Thread t = new Thread(() -> r.run(onExit), threadName);
        t.setDaemon(true);
        t.start();
        return r;
    }

    /** Sends a signal unless the child has already exited; returns whether it was sent. */
    public synchronized boolean signal(Signal signal) {
        if (exited) {
            return false;
        }
        return posix.kill(pid, signal.number()) == 0;
    }

    public synchronized boolean exited() {
        return exited;
    }

    private void run(Consumer<ExitStatus> onExit) {
        Pointer info = Memory.allocate(Runtime.getRuntime(LIBC), SIGINFO_BYTES);
        int rc;
        do {
            rc = LIBC.waitid(P_PID, (int) pid, info, WEXITED | WNOWAIT);
        } while (rc != 0 && posix.errno() == 4 /* EINTR */);
        synchronized (this) {
            exited = true;
        }
        int[] status = new int[1];
        long r;
        do {
            r = posix.waitpid(pid, status, 0);
        } while (r < 0 && posix.errno() == 4);
        ExitStatus exit;
        if (r == pid) {
            exit = ExitStatus.fromWaitStatus(status[0]);
        } else {
            log.error("waitpid({}) failed, errno {}: child already reaped by someone else", pid, posix.errno());
            exit = ExitStatus.signaled(0);
        }
        onExit.accept(exit);
    }
}
