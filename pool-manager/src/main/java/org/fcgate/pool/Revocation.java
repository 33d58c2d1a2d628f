package org.fcgate.pool;

/**
 * Why the pool took a lease back before the caller released it; {@link Lease#revoked()} completes with one.
 * The caller's I/O on the child fails around the same time; this says which distinct answer to give.
 */
public enum Revocation {
    /** The request ran past {@code request_timeout}; the child is being killed (gateway: 504). */
    TIMED_OUT,
    /** The child died during the request (gateway: 502 before headers, abort after). */
    CHILD_FAILED,
    /** The pool's shutdown deadline passed with the request still running. */
    SHUTDOWN
}
