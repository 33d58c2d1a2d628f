package org.fcgate.gateway.config;

import java.nio.file.Path;

/**
 * Where {@code fcgate pool} exposes a pool to web servers ({@code pools.NAME.listen}, php-fpm's {@code listen}): a Unix
 * socket with its permission bits ({@code listen_mode}, php-fpm's {@code listen.mode}) or a TCP address.
 */
public sealed interface PoolListen {

    /** php-fpm's default {@code listen.mode}: the owner and its group (the web server's) may connect. */
    int DEFAULT_MODE = 0660;

    /**
     * A Unix domain socket, created when the pool server starts (a stale socket file is replaced).
     *
     * @param path absolute path of the socket
     * @param mode permission bits, 0..0777 (only the read and write bits matter to {@code connect})
     */
    record Unix(Path path, int mode) implements PoolListen {
        public Unix {
            if (!path.isAbsolute()) {
                throw new IllegalArgumentException("unix socket path '" + path + "' must be absolute");
            }
            if (mode < 0 || mode > 0777) {
                throw new IllegalArgumentException("mode (" + Integer.toOctalString(mode) + ") must be within 0..0777");
            }
        }

        @Override
        public String toString() {
            return "unix:" + path;
        }
    }

    /** A TCP address; port 0 asks the kernel for a free port (tests). */
    record Tcp(ListenAddress address) implements PoolListen {
        @Override
        public String toString() {
            return address.host().contains(":") ? "[" + address.host() + "]:" + address.port()
                    : address.host() + ":" + address.port();
        }
    }

    /** Parses {@code unix:/abs/path} (with {@code mode}) or {@code HOST:PORT}; the message says what is wrong. */
    static PoolListen parse(String text, int mode) {
        if (text.startsWith("unix:")) {
            return new Unix(Path.of(text.substring("unix:".length())), mode);
        }
        if (text.startsWith("/")) {
            throw new IllegalArgumentException("a Unix socket is written unix:/path");
        }
        return new Tcp(ListenAddress.parse(text));
    }

    /** Parses {@code 0660} or {@code 660}: three or four octal digits, at most 0777. */
    static int parseMode(String text) {
        if (!text.matches("0?[0-7]{3}")) {
            throw new IllegalArgumentException("must be octal permission bits such as 0660");
        }
        return Integer.parseInt(text, 8);
    }
}
