package org.fcgate.pool.supervise;

/**
 * How a child process ended, decoded from {@code waitpid}'s status word.
 *
 * @param kind  exited, killed by a signal, or never started (spawn failed)
 * @param value exit code, signal number, or errno of the failed spawn
 */
public record ExitStatus(Kind kind, int value) {

    public enum Kind { EXITED, SIGNALED, NOT_STARTED }

    /** Decodes a raw wait status (glibc {@code WIFEXITED}/{@code WTERMSIG} layout). */
    public static ExitStatus fromWaitStatus(int status) {
        int signal = status & 0x7f;
        if (signal == 0) {
            return new ExitStatus(Kind.EXITED, (status >> 8) & 0xff);
        }
        return new ExitStatus(Kind.SIGNALED, signal);
    }

    public static ExitStatus exited(int code) {
        return new ExitStatus(Kind.EXITED, code);
    }

    public static ExitStatus signaled(int signal) {
        return new ExitStatus(Kind.SIGNALED, signal);
    }

    public static ExitStatus notStarted(int errno) {
        return new ExitStatus(Kind.NOT_STARTED, errno);
    }

    public boolean isCleanExit() {
        return kind == Kind.EXITED && value == 0;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case EXITED -> "exited with code " + value;
            case SIGNALED -> "exited on " + Signal.describe(value);
            case NOT_STARTED -> "could not be spawned (errno " + value + ")";
        };
    }
}
