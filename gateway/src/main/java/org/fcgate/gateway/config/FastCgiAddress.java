package org.fcgate.gateway.config;

import java.nio.file.Path;

/** Where an external FastCGI server listens: {@code unix:/run/php/fpm.sock} or {@code host:port}, as nginx has it. */
public sealed interface FastCgiAddress {

    /** A Unix domain socket; the path must be absolute. */
    record Unix(Path path) implements FastCgiAddress {
        public Unix {
            if (!path.isAbsolute()) {
                throw new IllegalArgumentException("unix socket path '" + path + "' must be absolute");
            }
        }

        @Override
        public String toString() {
            return "unix:" + path;
        }
    }

    /** A TCP address; {@code host} is a name or a literal (IPv6 without brackets). */
    record Tcp(String host, int port) implements FastCgiAddress {
        public Tcp {
            if (host.isEmpty()) {
                throw new IllegalArgumentException("host must not be empty");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port (" + port + ") must be within 1..65535");
            }
        }

        @Override
        public String toString() {
            return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    /** Parses {@code unix:/path}, {@code host:port} or {@code [v6]:port}; the message says what is wrong. */
    public static FastCgiAddress parse(String text) {
        if (text.startsWith("unix:")) {
            return new Unix(Path.of(text.substring("unix:".length())));
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("must be unix:/path or host:port");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("an IPv6 address must be written [addr]:port");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port is not a number");
        }
        return new Tcp(host, port);
    }
}
