package org.fcgate.pool;

import java.net.SocketAddress;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.fcgate.pool.status.RequestInfo;

/** One child's scoreboard entry; every field is guarded by the owning pool's lock. */
final class ChildSlot {
    final long id;
    final int generation;
    final long startNanos;
    final long recycleAfterRequests;
    ChildState state = ChildState.STARTING;
    long pid;
    SocketAddress address;
    long requests;
    Lease lease;
    /** A lease written ahead on {@link #lease}'s connection, promoted when that one completes; else null. */
    Lease ahead;
    /** The current request while busy, else the last one served; null before the first lease. */
    RequestInfo lastRequest;
    long leaseStartNanos;
    long idleSinceNanos;
    long lastDurationNanos = -1;
    long rssKb;
    /** When {@link #rssKb} was sampled (pool clock); meaningful once rssKb is non-zero. */
    long rssSampledNanos;
    /** What the last lease holder kept open to this child, for the next lease; null while leased or when none. */
    ChildConnection connection;
    ExitReason stopReason;
    long killAtNanos;
    boolean killSent;

    ChildSlot(long id, int generation, long startNanos, long recycleAfterRequests) {
        this.id = id;
        this.generation = generation;
        this.startNanos = startNanos;
        this.recycleAfterRequests = recycleAfterRequests;
    }

    boolean live() {
        return state != ChildState.STOPPING;
    }
}
