package org.fcgate.pool;

import java.time.Duration;

/** The outcome of {@link Pool#acquire}: a lease, or a refusal the gateway turns into 503 + Retry-After. */
public sealed interface AcquireResult {

    /** A child is reserved for the caller's one request; {@link Lease#release()} it when done. */
    record Granted(Lease lease) implements AcquireResult {
    }

    /**
     * No child for this caller.
     *
     * @param retryAfter the pool's {@code retry_after}, for the Retry-After header
     */
    record Rejected(RejectReason reason, Duration retryAfter) implements AcquireResult {
    }
}
