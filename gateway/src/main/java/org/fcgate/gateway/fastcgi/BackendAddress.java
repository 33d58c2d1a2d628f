package org.fcgate.gateway.fastcgi;

import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import org.fcgate.gateway.config.FastCgiAddress;

/** Where a FastCGI server listens: {@code unix:/path/to.sock} or {@code host:port} ({@code [v6]:port}). */
public sealed interface BackendAddress {

    record Unix(Path path) implements BackendAddress {
        @Override
        public String toString() {
            return "unix:" + path;
        }
    }

    record Tcp(String host, int port) implements BackendAddress {
        public Tcp {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("FastCGI port (" + port + ") must be within 1..65535");
            }
        }

        @Override
        public String toString() {
            return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    /** Parses {@code unix:/abs/path}, {@code host:port} or {@code [v6]:port}. */
    static BackendAddress parse(String text) {
        if (text.startsWith("unix:")) {
            Path p = Path.of(text.substring(5));
            if (!p.isAbsolute()) {
                throw new IllegalArgumentException("FastCGI socket '" + text + "' must be an absolute path");
            }
            return new Unix(p);
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("FastCGI address '" + text + "' must be unix:/path or host:port");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new Tcp(host, Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("FastCGI address '" + text + "' has a bad port", e);
        }
    }

    /** The configuration's address (already validated by its parser). */
    public static BackendAddress of(FastCgiAddress a) {
        if (a instanceof FastCgiAddress.Unix u) {
            return new Unix(u.path());
        }
        FastCgiAddress.Tcp t = (FastCgiAddress.Tcp) a;
        return new Tcp(t.host(), t.port());
    }

    /** From what the pool manager hands out: a {@link UnixDomainSocketAddress} or an {@link InetSocketAddress}. */
    static BackendAddress of(SocketAddress a) {
        if (a instanceof UnixDomainSocketAddress u) {
            return new Unix(u.getPath());
        }
        if (a instanceof InetSocketAddress i) {
            return new Tcp(i.getHostString(), i.getPort());
        }
        throw new IllegalArgumentException("unsupported backend address " + a);
    }

    /**
     * The address Netty's channel for {@code transport} connects to. A host name is resolved here, so callers do it
     * once at start-up (external servers) or pass literals (pool children listen on 127.0.0.1), never per request on
     * an event loop.
     */
    default SocketAddress toSocketAddress(Transport transport) {
        if (this instanceof Unix u) {
            return transport == Transport.EPOLL ? new DomainSocketAddress(u.path().toString())
                    : UnixDomainSocketAddress.of(u.path());
        }
        Tcp t = (Tcp) this;
        return new InetSocketAddress(t.host(), t.port());
    }
}
