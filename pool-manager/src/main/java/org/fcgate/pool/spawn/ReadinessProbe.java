package org.fcgate.pool.spawn;

import java.io.IOException;
import java.net.SocketAddress;

/**
 * Asks a child whether it serves FastCGI. One attempt; blocking. Returns normally when the child answered,
 * throws {@link java.net.ConnectException} (or {@link java.nio.file.NoSuchFileException}-style) while nothing
 * listens yet, and any other {@link IOException} when the child answered wrongly or went away.
 */
@FunctionalInterface
public interface ReadinessProbe {

    void probe(SocketAddress address) throws IOException;
}
