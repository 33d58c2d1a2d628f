package org.fcgate.it.peer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code php-fpm8.2 -F -y CONF -p DIR} (Debian package php8.2-fpm): a master and a static pool of
 * {@value #MAX_CHILDREN} children listening on a Unix socket in {@code DIR}. No php.ini ({@code -n}).
 */
public final class PhpFpmProcess implements FastCgiPeer {

    public static final int MAX_CHILDREN = 2;

    private final PeerProcess process;
    private final Path socket;

    private PhpFpmProcess(PeerProcess process, Path socket) {
        this.process = process;
        this.socket = socket;
    }

    /** Writes {@code dir/php-fpm.conf}, starts php-fpm in the foreground and waits until its pool accepts. */
    public static PhpFpmProcess start(Path dir) {
        return start(dir, List.of());
    }

    /**
     * As {@link #start(Path)}, with {@code poolDirectives} appended to the pool section; a later directive wins over
     * an earlier one of the same name (e.g. {@code clear_env = yes}).
     */
    public static PhpFpmProcess start(Path dir, List<String> poolDirectives) {
        Path binary = PeerBinaries.require("php-fpm8.2", "php8.2-fpm");
        Path socket = dir.resolve("php-fpm.sock");
        Path conf = dir.resolve("php-fpm.conf");
        Path log = dir.resolve("php-fpm.log");
        String config = """
                [global]
                pid = %1$s/php-fpm.pid
                error_log = %2$s
                daemonize = no

                [interop]
                listen = %3$s
                pm = static
                pm.max_children = %4$d
                clear_env = no
                catch_workers_output = yes
                %5$s
                """.formatted(dir, log, socket, MAX_CHILDREN, String.join("\n", poolDirectives));
        try {
            Files.writeString(conf, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(List.of(binary.toString(), "-F", "-n", "-d", "expose_php=0",
                "-y", conf.toString(), "-p", dir.toString()));
        if (isRoot()) {
            command.add("-R"); // php-fpm refuses to run as root without it
        }
        PeerProcess p = PeerProcess.startAccepting("php-fpm", command, PeerProcess.baseEnvironment(), dir, log,
                UnixDomainSocketAddress.of(socket));
        return new PhpFpmProcess(p, socket);
    }

    static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public UnixDomainSocketAddress address() {
        return UnixDomainSocketAddress.of(socket);
    }

    public PeerProcess process() {
        return process;
    }

    @Override
    public void close() {
        process.close();
    }
}
