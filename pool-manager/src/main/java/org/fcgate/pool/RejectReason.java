package org.fcgate.pool;

/** Why {@link Pool#acquire} refused a caller. Every one is an "overloaded/unavailable" answer (503). */
public enum RejectReason {
    /** {@code queue_max} callers were already waiting: refused at once, without queueing. */
    QUEUE_FULL,
    /** Waited {@code queue_timeout} in the queue without getting a child. */
    QUEUE_TIMEOUT,
    /** The pool is in a crash loop with no live child and spawning is backed off. */
    DEGRADED,
    /** The pool is draining or shutting down. */
    DRAINING,
    /** The pool has stopped (or was never started). */
    STOPPED
}
