package org.fcgate.gateway.config;

import java.net.InetSocketAddress;

/** A TCP listen address; port 0 asks the kernel for a free port (tests). */
public record ListenAddress(String host, int port) {

    public ListenAddress {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("listen host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("listen port (" + port + ") must be within 0..65535");
        }
    }

    /** Parses {@code HOST:PORT}, {@code [IPv6]:PORT} or {@code :PORT} (all interfaces). */
    public static ListenAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("listen address '" + text + "' must be HOST:PORT");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            host = "0.0.0.0";
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("listen port in '" + text + "' is not a number", e);
        }
        return new ListenAddress(host, port);
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    public static ListenAddress defaults() {
        return new ListenAddress(GatewayDefaults.LISTEN_HOST, GatewayDefaults.LISTEN_PORT);
    }
}
