package org.fcgate.it.container;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free TCP ports on 127.0.0.1 for containers on the host's network (they bind loopback only). */
final class LoopbackPorts {

    private LoopbackPorts() {
    }

    /** A port nothing listens on now; the kernel picks it from the ephemeral range. */
    static int free() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
