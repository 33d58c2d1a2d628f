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
    SHUTDOWN,
    /**
     * A lease written ahead ({@link Lease#isAhead()}) lost its child before it was promoted: the request before it on
     * that child did not complete (it broke, timed out, the child died or is recycled). The child never started this
     * request, so the holder may ask for another child whatever the method.
     */
    NOT_STARTED
}
