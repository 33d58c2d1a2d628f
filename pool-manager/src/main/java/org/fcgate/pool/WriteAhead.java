package org.fcgate.pool;

/**
 * Whether {@link Pool#acquire} may grant a lease written ahead ({@link Lease#isAhead()}): only the caller knows if
 * its request can wait behind another on a busy child and be sent again should that child never start it (its body
 * is small and in memory, not streamed).
 */
public enum WriteAhead {
    /** Only an idle child, or a place in the queue. */
    NOT_ALLOWED,
    /** Also a busy child's kept connection, behind its current request, when the pool's {@code write_ahead} allows. */
    ALLOWED
}
