package org.fcgate.pool.spawn;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The manager's private directory for child sockets: mode 0700, one 0700 sub-directory per pool, sockets
 * chmod 0600. When a pool's children run as another user the pool directory is owned by that user (so a
 * {@code bind} child can create its socket) and the root gets 0711 (traverse only, no listing).
 */
public final class RuntimeDirectory implements AutoCloseable {
    private final Path root;

    private RuntimeDirectory(Path root) {
        this.root = root;
    }

    public static RuntimeDirectory create(Path root) {
        try {
            Files.createDirectories(root.getParent());
            Files.createDirectory(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create runtime directory " + root, e);
        }
        return new RuntimeDirectory(root);
    }

    /**
     * Removes {@code root} if it is the leftover of an earlier process: a directory (not a symbolic link) owned by
     * {@code uid}, this process's user. Only for a path named after this process's pid ({@code /tmp/fcgate-PID}): the
     * process that made it had this pid, so it is gone, killed before it could clean up. That happens in every
     * container restart after a SIGKILL (out of memory, a failed liveness probe): the JVM is pid 1 again and
     * {@code /tmp} (a Kubernetes emptyDir, a Docker container's own layer) is kept. Anything else at the path is left
     * for {@link #create} to refuse.
     *
     * @return whether a leftover was removed
     */
    public static boolean removeLeftover(Path root, int uid) {
        try {
            BasicFileAttributes a = Files.readAttributes(root, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isDirectory() || (Integer) Files.getAttribute(root, "unix:uid", LinkOption.NOFOLLOW_LINKS) != uid) {
                return false;
            }
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot inspect " + root, e);
        }
        new RuntimeDirectory(root).close();
        return true;
    }

    public Path root() {
        return root;
    }

    public Path poolDirectory(String pool) {
        Path dir = root.resolve(pool);
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create pool directory " + dir, e);
        }
        return dir;
    }

    /** Lets another user traverse (not list) the root, for pools whose children drop privileges. */
    public void allowTraverse() {
        try {
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void restrictSocket(Path socket) {
        try {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot chmod 0600 " + socket, e);
        }
    }

    /** Deletes the directory tree. */
    @Override
    public void close() {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete runtime directory " + root, e);
        }
    }
}
