package org.fcgate.pool.config;

/** How a child gets the socket it serves FastCGI on. */
public enum SocketConvention {
    /**
     * The manager binds a Unix socket and hands the listening descriptor to the child as its stdin
     * (FastCGI 1.0 §2.2, FCGI_LISTENSOCK_FILENO); php-cgi works this way.
     */
    FD0,
    /** The command holds a {@code {socket}} placeholder; the child binds that Unix socket path itself. */
    BIND,
    /** The command holds a {@code {port}} placeholder; the child listens on 127.0.0.1 at that port. */
    TCP
}
