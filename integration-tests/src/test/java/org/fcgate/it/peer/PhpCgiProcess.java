package org.fcgate.it.peer;

import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code php-cgi8.2 -b SOCKET} (Debian package php8.2-cgi) with {@code PHP_FCGI_CHILDREN=0}: one process that
 * accepts FastCGI connections itself. Runs without any php.ini ({@code -n}) so its output does not depend on the
 * machine's configuration.
 */
public final class PhpCgiProcess implements FastCgiPeer {

    private final PeerProcess process;
    private final Path socket;

    private PhpCgiProcess(PeerProcess process, Path socket) {
        this.process = process;
        this.socket = socket;
    }

    /** Starts php-cgi listening on {@code dir/php-cgi.sock} and waits until it accepts. */
    public static PhpCgiProcess start(Path dir) {
        Path binary = PeerBinaries.require("php-cgi8.2", "php8.2-cgi");
        Path socket = dir.resolve("php-cgi.sock");
        Map<String, String> env = PeerProcess.baseEnvironment();
        env.put("PHP_FCGI_CHILDREN", "0");
        List<String> command = List.of(binary.toString(), "-n", "-d", "expose_php=0", "-b", socket.toString());
        PeerProcess p = PeerProcess.startAccepting("php-cgi", command, env, dir, dir.resolve("php-cgi.log"),
                UnixDomainSocketAddress.of(socket));
        return new PhpCgiProcess(p, socket);
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
