package org.fcgate.pool.spawn;

import org.fcgate.pool.supervise.Signal;

/**
 * Starts and signals the children of one pool. The pool decides <em>when</em>; a launcher knows
 * <em>how</em> (real processes in {@link ProcessLauncher}, scripted events in unit tests).
 */
public interface ChildLauncher {

    /** Starts child {@code childId} asynchronously; events go to {@code listener}. */
    void launch(long childId, LaunchListener listener);

    /**
     * Sends {@code signal} to the child unless it has already been reaped (never to a recycled pid). A child
     * signalled before it was spawned is killed as soon as it exists.
     */
    void signal(long childId, Signal signal);

    /** The child's VmRSS in KiB, or 0 when unknown. */
    long rssKb(long childId);

    /** Releases per-pool resources (the socket directory) once every child has exited. */
    default void close() {
    }
}
