package org.fcgate.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports below the kernel's ephemeral range, for a server a test stops and starts again on the same port.
 * A port from the ephemeral range can be taken while the server is down: by another process's outgoing connection,
 * or by a client's own connect to it (a TCP self-connect), and the restart then fails with "Address already in use".
 */
public final class StablePorts {

    private static final int LOWEST = 20_000;

    private StablePorts() {
    }

    /** A port that is free now and that the kernel never hands out as a local port of an outgoing connection. */
    public static int freeLoopbackPort() {
        int top = ephemeralLow() - 1;
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, top + 1);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free loopback port in " + LOWEST + ".." + top + " after 200 tries");
    }

    /** The first port of {@code net.ipv4.ip_local_port_range}. */
    static int ephemeralLow() {
        try {
            // readAllLines, not readString: procfs reports a size of 0 and readString returned "3" here
            String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
            int low = Integer.parseInt(range.split("\\s+")[0]);
            if (low <= LOWEST + 1000) {
                throw new IllegalStateException("ephemeral range starts at " + low + ": no room below it above "
                        + LOWEST);
            }
            return low;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
