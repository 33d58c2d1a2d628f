package org.fcgate.pool.supervise;

/** The signals the manager sends to children (Linux numbers). */
public enum Signal {
    TERM(15),
    KILL(9);

    private final int number;

    Signal(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** Name of a Linux signal number for log lines, e.g. {@code SIGKILL}. */
    public static String describe(int number) {
        return switch (number) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 3 -> "SIGQUIT";
            case 6 -> "SIGABRT";
            case 7 -> "SIGBUS";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 13 -> "SIGPIPE";
            case 15 -> "SIGTERM";
            default -> "signal " + number;
        };
    }
}
