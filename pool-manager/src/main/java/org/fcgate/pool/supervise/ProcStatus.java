package org.fcgate.pool.supervise;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads {@code /proc/PID/status}. */
public final class ProcStatus {
    private ProcStatus() {
    }

    /** VmRSS in KiB, or 0 if the process is gone or has no memory (a zombie). */
    public static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /** The process state letter (R, S, Z...), or '?' if there is no such process. */
    public static char state(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("State:")) {
                    return line.substring(6).trim().charAt(0);
                }
            }
        } catch (IOException | RuntimeException e) {
            return '?';
        }
        return '?';
    }
}
