package org.fcgate.fcgi.app;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Where an {@link FcgiServer} listens. */
public sealed interface FcgiEndpoint permits FcgiEndpoint.Inherited, FcgiEndpoint.UnixSocket, FcgiEndpoint.Tcp {

    /** Binds (or takes) the listening socket. */
    ServerSocketChannel open() throws IOException;

    /** Undoes what {@link #open} left on the file system, after the socket was closed. */
    default void release() throws IOException {
    }

    /** The socket a process manager passed on fd 0 ({@code FCGI_LISTENSOCK_FILENO}, FastCGI 1.0 §2.2). */
    static FcgiEndpoint inherited() {
        return new Inherited();
    }

    static FcgiEndpoint unix(Path path) {
        return new UnixSocket(path);
    }

    static FcgiEndpoint tcp(InetSocketAddress address) {
        return new Tcp(address);
    }

    /** {@code HOST:PORT}, {@code [V6]:PORT} or {@code :PORT} (all interfaces). */
    static FcgiEndpoint tcp(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("expected HOST:PORT, got " + hostPort);
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid port in " + hostPort, e);
        }
        return new Tcp(host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port));
    }

    /** fd 0, through {@link System#inheritedChannel()}: a TCP or Unix listening socket. */
    record Inherited() implements FcgiEndpoint {
        @Override
        public ServerSocketChannel open() throws IOException {
            Channel ch = System.inheritedChannel();
            if (ch instanceof ServerSocketChannel server) {
                return server;
            }
            throw new NotAListenSocketException("fd 0 is not a listening socket (" + (ch == null
                    ? "not a socket: a terminal, file or pipe" : "a " + ch.getClass().getSimpleName())
                    + "); a process manager must pass one (FCGI_LISTENSOCK_FILENO), or bind a socket yourself");
        }
    }

    /**
     * A Unix domain socket at {@code path}, mode 0600. A stale socket file (nobody accepts on it) is removed first;
     * a live one, or a file that is not a socket, is an error. The file is removed on {@link #release}.
     */
    record UnixSocket(Path path) implements FcgiEndpoint {
        private static final int S_IFMT = 0170000;
        private static final int S_IFSOCK = 0140000;

        @Override
        public ServerSocketChannel open() throws IOException {
            removeStale();
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                server.bind(UnixDomainSocketAddress.of(path));
                // Between bind and chmod the umask's mode applies; put the socket in a private directory if that
                // window matters.
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
                return server;
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
        }

        @Override
        public void release() throws IOException {
            Files.deleteIfExists(path);
        }

        private void removeStale() throws IOException {
            if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & S_IFMT) != S_IFSOCK) {
                throw new IOException(path + " exists and is not a socket; not removing it");
            }
            SocketChannel probe;
            try {
                probe = SocketChannel.open(UnixDomainSocketAddress.of(path));
            } catch (ConnectException stale) {
                Files.delete(path); // connection refused: nobody listens, the file is left over from a crash
                return;
            }
            probe.close();
            throw new IOException(path + " is in use: another process accepts connections on it");
        }
    }

    /** A TCP address; port 0 picks a free port (see {@link FcgiServer#localAddress()}). */
    record Tcp(InetSocketAddress address) implements FcgiEndpoint {
        @Override
        public ServerSocketChannel open() throws IOException {
            ServerSocketChannel server = ServerSocketChannel.open();
            try {
                server.bind(address);
                return server;
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
        }
    }
}
