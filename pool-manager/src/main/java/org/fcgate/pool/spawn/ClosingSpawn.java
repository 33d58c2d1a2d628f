package org.fcgate.pool.spawn;

import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.byref.IntByReference;

/**
 * {@code posix_spawnp} whose child closes every descriptor from 3 up itself, between the {@code dup2}s and the exec
 * ({@code posix_spawn_file_actions_addclosefrom_np}, glibc 2.34+, {@code close_range(2)} underneath).
 *
 * <p>Why not a list of descriptors to close: it is taken before the spawn, and another thread of the JVM may open a
 * descriptor in between. The JDK's {@code ProcessBuilder} creates its pipes without close-on-exec (its own child
 * closes them); a child of ours that inherited the write end of the pipe the JDK reads to learn whether its exec
 * worked kept {@code ProcessBuilder.start()} blocked until our child exited (ConcurrentExecIT).
 */
final class ClosingSpawn {

    /** The libc functions used; public for jnr-ffi's generated implementation. */
    public interface LibC {
        int posix_spawn_file_actions_init(Pointer actions);

        int posix_spawn_file_actions_destroy(Pointer actions);

        int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);

        int posix_spawn_file_actions_addopen(Pointer actions, int fd, CharSequence path, int flags, int mode);

        int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);

        int posix_spawnp(IntByReference pid, CharSequence file, Pointer actions, Pointer attributes,
                         CharSequence[] argv, CharSequence[] envp);
    }

    /** {@code sizeof(posix_spawn_file_actions_t)} is 80 on glibc x86-64 and aarch64; room to spare. */
    private static final int FILE_ACTIONS_SIZE = 256;
    private static final int O_RDONLY = 0;
    private static final int FIRST_CLOSED = 3;

    private final LibC libc;
    private final Runtime runtime;

    private ClosingSpawn(LibC libc) {
        this.libc = libc;
        this.runtime = Runtime.getRuntime(libc);
    }

    /** Binds libc; throws {@link UnsatisfiedLinkError} when a function is missing (glibc before 2.34, musl). */
    static ClosingSpawn load() {
        return new ClosingSpawn(LibraryLoader.create(LibC.class).failImmediately().load("c"));
    }

    /**
     * Spawns {@code argv} with fd 0 from {@code stdinFd} (or /dev/null when negative), fds 1 and 2 from
     * {@code outFd}, and nothing else open. Returns the pid; throws {@link Spawner.SpawnException} with the error
     * number posix_spawnp returned.
     */
    long spawn(List<String> argv, List<String> envp, int stdinFd, int outFd) {
        Pointer actions = Memory.allocateDirect(runtime, FILE_ACTIONS_SIZE);
        check("posix_spawn_file_actions_init", libc.posix_spawn_file_actions_init(actions));
        try {
            if (stdinFd >= 0) {
                check("adddup2", libc.posix_spawn_file_actions_adddup2(actions, stdinFd, 0));
            } else {
                check("addopen", libc.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0));
            }
            check("adddup2", libc.posix_spawn_file_actions_adddup2(actions, outFd, 1));
            check("adddup2", libc.posix_spawn_file_actions_adddup2(actions, outFd, 2));
            check("addclosefrom_np", libc.posix_spawn_file_actions_addclosefrom_np(actions, FIRST_CLOSED));
            IntByReference pid = new IntByReference();
            String program = argv.get(0);
            check("posix_spawnp " + program, libc.posix_spawnp(pid, program, actions, null, nullTerminated(argv),
                    nullTerminated(envp)));
            return pid.intValue();
        } finally {
            libc.posix_spawn_file_actions_destroy(actions);
        }
    }

    private static CharSequence[] nullTerminated(List<String> strings) {
        return strings.toArray(new CharSequence[strings.size() + 1]);
    }

    /** posix_spawn* return the error number instead of setting errno. */
    private static void check(String call, int rc) {
        if (rc != 0) {
            throw new Spawner.SpawnException(call + " failed", rc);
        }
    }
}
