package org.fcgate.pool.status;

/** A child's place in its lifecycle; see {@code org.fcgate.pool.Pool} for the transitions. */
public enum ChildState {
    /** Spawned, not yet answering FCGI_GET_VALUES. */
    STARTING,
    /** Ready and waiting for a lease. */
    IDLE,
    /** Leased to exactly one request. */
    BUSY,
    /** Told to stop (SIGTERM, then SIGKILL after the kill grace); waiting to be reaped. */
    STOPPING
}
