package org.fcgate.it.peer;

import java.net.UnixDomainSocketAddress;

/** A FastCGI application process a test started: its socket, and {@link #close()} stops it by PID. */
public interface FastCgiPeer extends AutoCloseable {
    UnixDomainSocketAddress address();

    @Override
    void close();
}
