package org.fcgate.pool.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import jnr.posix.POSIXFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime directory of a process killed with SIGKILL stays behind; in a restarted container the next JVM has the
 * same pid and so the same {@code /tmp/fcgate-PID}. Only such a leftover (our directory, not a link) is removed.
 */
class RuntimeDirectoryTest {

    private static final int UID = POSIXFactory.getNativePOSIX().geteuid();

    @TempDir
    Path tmp;

    @Test
    void aLeftoverOfThisUserIsRemovedAndCreatedAfresh() throws Exception {
        Path root = tmp.resolve("fcgate-1");
        RuntimeDirectory.create(root).poolDirectory("php");
        Files.writeString(root.resolve("php").resolve("0.sock"), "stale");
        assertThatThrownBy(() -> RuntimeDirectory.create(root)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot create runtime directory " + root);

        assertThat(RuntimeDirectory.removeLeftover(root, UID)).isTrue();
        RuntimeDirectory fresh = RuntimeDirectory.create(root);
        assertThat(root).isEmptyDirectory();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx------");
        fresh.close();
        assertThat(RuntimeDirectory.removeLeftover(root, UID)).as("nothing there").isFalse();
    }

    @Test
    void aLinkOrAFileIsLeftAloneAndStillRefused() throws Exception {
        Path target = Files.createDirectory(tmp.resolve("elsewhere"));
        Files.writeString(target.resolve("keep"), "mine");
        Path link = Files.createSymbolicLink(tmp.resolve("fcgate-2"), target);
        assertThat(RuntimeDirectory.removeLeftover(link, UID)).isFalse();
        assertThat(target.resolve("keep")).hasContent("mine");
        assertThat(link).isSymbolicLink();
        assertThatThrownBy(() -> RuntimeDirectory.create(link)).isInstanceOf(UncheckedIOException.class);

        Path file = Files.writeString(tmp.resolve("fcgate-3"), "not a directory");
        assertThat(RuntimeDirectory.removeLeftover(file, UID)).isFalse();
        assertThat(file).hasContent("not a directory");
    }

    @Test
    void anotherUsersDirectoryIsLeftAlone() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("fcgate-4"));
        assertThat(RuntimeDirectory.removeLeftover(root, UID + 1)).isFalse();
        assertThat(root).exists();
        assumeThat(UID).as("chown needs root").isZero();
        Files.setAttribute(root, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
        assertThat(RuntimeDirectory.removeLeftover(root, UID)).isFalse();
        assertThat(root).exists();
    }
}
