package org.fcgate.it.peer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A {@code /bin/sh} script that {@code exec}s a fixed command, for launchers that take a program path and no
 * arguments ({@code cgi-fcgi -start}). Every word is single-quoted, so nothing in it is interpreted by the shell.
 */
public final class LauncherScript {

    private LauncherScript() {
    }

    /** Writes an executable script at {@code path} that execs {@code command}. */
    public static Path write(Path path, List<String> command) {
        String script = "#!/bin/sh\nexec " + command.stream().map(LauncherScript::quote)
                .collect(Collectors.joining(" ")) + "\n";
        try {
            Files.writeString(path, script);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return path;
    }

    /** POSIX shell single quoting: {@code '} becomes {@code '\''}. */
    static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
