package org.fcgate.gateway.poolserver;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** The socket file of a {@code unix:} listen address: before the bind, after it, and at the end. */
final class UnixListenSocket {

    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private UnixListenSocket() {
    }

    /**
     * Makes room for the bind: a stale socket file (nothing accepts on it) is removed, as php-fpm does; a live one or
     * a file that is not a socket is refused.
     */
    static void prepare(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException(path + " exists and is not a socket");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new IOException(path + " is in use: something accepts connections on it");
        } catch (IOException refused) {
            if (refused.getMessage() != null && refused.getMessage().endsWith("accepts connections on it")) {
                throw refused;
            }
        }
        Files.delete(path);
    }

    /** {@code listen_mode} on the new socket (bound with the process umask first). */
    static void chmod(Path path, int mode) throws IOException {
        Files.setPosixFilePermissions(path, permissions(mode));
    }

    static void remove(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // Left behind: the next start treats it as stale.
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                out.add(bits[i]);
            }
        }
        return out;
    }
}
