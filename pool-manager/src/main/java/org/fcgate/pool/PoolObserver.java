package org.fcgate.pool;

import java.time.Duration;

/**
 * Timings of one pool's leases, for histograms (queue wait, time to first byte, busy time). The counters and
 * gauges stay in {@link org.fcgate.pool.status.PoolSnapshot}; this only reports what a snapshot cannot hold.
 *
 * <p>{@link #leaseGranted} and {@link #leaseReleased} run under the pool's lock: implementations must be quick
 * and never block or call back into the pool (a Micrometer timer's {@code record} is fine).
 */
public interface PoolObserver {

    /** Observes nothing. */
    PoolObserver NONE = new PoolObserver() { };

    /** A lease was granted after {@code queueWait} in the queue (zero when a child was idle). */
    default void leaseGranted(Duration queueWait) {
    }

    /** The lease holder reported the child's first response byte, {@code sinceGrant} after the grant. */
    default void firstByte(Duration sinceGrant) {
    }

    /** The holder released the lease after {@code busy}; {@code broken} for {@link Lease#releaseBroken()}. */
    default void leaseReleased(Duration busy, boolean broken) {
    }

    /** The pool took the child back after {@code busy} ({@link Revocation}). */
    default void leaseRevoked(Duration busy, Revocation why) {
    }

    /**
     * A lease was granted ahead ({@code write_ahead}): written behind a busy child's current request. It is reported
     * as granted only at its promotion; one revoked {@link Revocation#NOT_STARTED} is never reported as granted. One
     * its holder gave up after writing it is reported granted and released broken (0 s) when the request before it
     * completes: its child goes on to read it.
     */
    default void writeAheadGranted() {
    }
}
