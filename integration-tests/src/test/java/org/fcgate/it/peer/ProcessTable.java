package org.fcgate.it.peer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads Linux {@code /proc} for what {@link ProcessHandle} cannot tell: whether a process has really exited (a zombie
 * counts as exited; {@code ProcessHandle.isAlive()} says a zombie is alive), which processes carry a marker argument,
 * and how many connections a Unix listening socket has accepted.
 */
public final class ProcessTable {

    private ProcessTable() {
    }

    /** Whether {@code pid} exists and is not a zombie ({@code proc(5)}: state field after the command name). */
    public static boolean isRunning(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            // The process went away between the directory lookup and the read.
            return Files.exists(Path.of("/proc", Long.toString(pid)));
        }
        // The command name is in parentheses and may itself contain ") ", so search from the last one.
        char state = stat.charAt(stat.lastIndexOf(')') + 2);
        return state != 'Z' && state != 'X';
    }

    /** Running processes whose command line has an argument equal to {@code argument}. */
    public static List<Long> pidsWithArgument(String argument) {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                byte[] cmdline;
                try {
                    cmdline = Files.readAllBytes(p.resolve("cmdline"));
                } catch (IOException e) {
                    continue; // exited while we looked
                }
                for (String arg : new String(cmdline, StandardCharsets.UTF_8).split("\0")) {
                    if (arg.equals(argument) && isRunning(Long.parseLong(name))) {
                        pids.add(Long.parseLong(name));
                        break;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pids;
    }

    /**
     * Connected sockets bound to {@code socketPath}: the connections its listener accepted that are still open on the
     * server side. An accepted socket inherits the listener's name in {@code /proc/net/unix}; state 03 is
     * SS_CONNECTED, the listener itself is 01.
     */
    public static int acceptedUnixConnections(Path socketPath) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/net/unix"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Num RefCount Protocol Flags Type St Inode Path
        int n = 0;
        String path = socketPath.toString();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 8 && f[7].equals(path) && f[5].equals("03")) {
                n++;
            }
        }
        return n;
    }
}
