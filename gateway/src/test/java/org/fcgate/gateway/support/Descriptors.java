package org.fcgate.gateway.support;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** This JVM's open file descriptors, from {@code /proc/self/fd}: how many, and which are open on files of a tree. */
public final class Descriptors {

    private Descriptors() {
    }

    public static long count() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /** The targets of descriptors open on a file under {@code dir}. */
    public static List<String> under(Path dir) throws IOException {
        List<String> found = new ArrayList<>();
        String prefix = dir.toRealPath() + "/";
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(prefix)) {
                        found.add(target);
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return found;
    }
}
