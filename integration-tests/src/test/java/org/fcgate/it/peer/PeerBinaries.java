package org.fcgate.it.peer;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds peer executables by name on {@code PATH} and in the sbin folders Debian installs daemons to.
 *
 * <p>A missing peer fails the test rather than skipping it: CI installs every peer (see {@code .ci/run}), so a skip
 * would only hide a broken CI.
 */
public final class PeerBinaries {

    private static final List<String> EXTRA_DIRS = List.of("/usr/sbin", "/sbin", "/usr/local/sbin");

    private PeerBinaries() {
    }

    /**
     * The first executable called {@code name}.
     *
     * @throws AssertionError naming the Debian package to install when there is none
     */
    public static Path require(String name, String debianPackage) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(EXTRA_DIRS);
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("peer binary '" + name + "' not found on PATH or in " + EXTRA_DIRS
                + ": install the Debian package " + debianPackage
                + " (apt-get install " + debianPackage + "; .ci/run does this)");
    }
}
