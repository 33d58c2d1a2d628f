package org.fcgate.pool;

/**
 * A connection the lease holder keeps open to a child between its leases (a FastCGI connection with FCGI_KEEP_CONN):
 * handed back with {@link Lease#release(ChildConnection)}, handed to the child's next lease as
 * {@link Lease#keptConnection()}, and closed by the pool when the child stops, exits or is revoked, so it never
 * outlives the child. A child serves one request at a time, so the connection is never shared.
 */
public interface ChildConnection {

    /** Closes the connection; called from any thread, possibly more than once. Must not block. */
    void close();

    /**
     * The executor this connection's I/O runs on (a Netty event loop), or null if it has none. When the child is
     * freed, {@link Dispatch} prefers a waiting caller on the same executor, so the connection need not move.
     */
    default java.util.concurrent.Executor home() {
        return null;
    }
}
