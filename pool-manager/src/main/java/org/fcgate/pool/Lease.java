package org.fcgate.pool;

import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import org.fcgate.pool.status.RequestInfo;

/**
 * One child reserved for one request. The holder connects to {@link #address()} (or reuses
 * {@link #keptConnection()}), runs exactly one FastCGI request, then calls {@link #release()} or
 * {@link #release(ChildConnection)} (child reusable; the connection stays with the child for its next lease),
 * {@link #releaseUnused()} (never used: a caller that gave up) or {@link #releaseBroken()} (the exchange failed in a
 * way that leaves the child's state unknown: it is stopped and replaced).
 *
 * <p>Lifecycle: {@code ACTIVE → RELEASED} by the holder, or {@code ACTIVE → REVOKED} by the pool (timeout,
 * child died, shutdown deadline); {@link #revoked()} then completes with the reason. Releasing a revoked
 * lease is a no-op; releasing a lease twice is a bug and throws {@link IllegalStateException}.
 *
 * <p>A lease granted <em>ahead</em> ({@link #isAhead()}, the pool's {@code write_ahead}) is on a busy child, behind
 * its current request, on the connection that request runs on ({@link #keptConnection()}): {@code AHEAD → ACTIVE}
 * ({@link #promoted()} completes, on the thread that released the current lease) when the current request completed
 * and the child is kept; from then on it is an ordinary lease, and request_timeout, RSS sampling, the status page and
 * the request counters start there. Otherwise {@code AHEAD → REVOKED} with {@link Revocation#NOT_STARTED}. Before
 * promotion, {@link #releaseUnused()} means nothing was written; {@link #releaseBroken()} means the request was
 * written and nobody will read its answer: the child is replaced once its current request ends (counted as a lease
 * served, released broken, if that request completed: the child goes on to read it).
 */
public final class Lease {
    private final Pool pool;
    final ChildSlot slot;
    private final long pid;
    private final SocketAddress address;
    private final RequestInfo request;
    /** The pool clock at the grant, or at the promotion of a lease granted ahead. Guarded by the pool's lock. */
    long grantedNanos;
    /** The pool clock at the acquire: the queue wait ends at the grant, or at the promotion. */
    final long requestedNanos;
    private final boolean ahead;
    /** Guarded by the pool's lock: granted ahead and not promoted yet. */
    boolean pendingAhead;
    /** Guarded by the pool's lock: granted ahead, then given up by its holder after writing (releaseBroken). */
    boolean abandoned;
    /** Guarded by the pool's lock: the holder's connection once the whole request is written on it. */
    ChildConnection inUse;
    private final CompletableFuture<Void> promoted = new CompletableFuture<>();
    /** What the previous holder kept open to the child; taken from the slot at the grant. */
    final ChildConnection kept;
    /** Whether {@link Pool#release} samples the child's RSS after this request (decided at the grant). */
    boolean rssSampleDue;
    private volatile boolean firstByteSeen;
    private final CompletableFuture<Revocation> revoked = new CompletableFuture<>();
    /** Guarded by the pool's lock. */
    boolean finished;
    /** Guarded by the pool's lock. */
    boolean wasRevoked;

    Lease(Pool pool, ChildSlot slot, RequestInfo request, long grantedNanos, ChildConnection kept,
          boolean rssSampleDue) {
        this(pool, slot, request, grantedNanos, grantedNanos, kept, rssSampleDue, false);
    }

    Lease(Pool pool, ChildSlot slot, RequestInfo request, long requestedNanos, long grantedNanos, ChildConnection kept,
          boolean rssSampleDue, boolean ahead) {
        this.pool = pool;
        this.requestedNanos = requestedNanos;
        this.ahead = ahead;
        this.pendingAhead = ahead;
        this.slot = slot;
        this.pid = slot.pid;
        this.address = slot.address;
        this.request = request;
        this.grantedNanos = grantedNanos;
        this.kept = kept;
        this.rssSampleDue = rssSampleDue;
    }

    public long pid() {
        return pid;
    }

    public long childId() {
        return slot.id;
    }

    /** Where the child accepts its FastCGI connection: a {@code UnixDomainSocketAddress} or 127.0.0.1:port. */
    public SocketAddress address() {
        return address;
    }

    public String uri() {
        return request.uri();
    }

    /**
     * The connection the child's previous lease holder handed back with {@link #release(ChildConnection)}, now this
     * holder's: reuse it, or close it and connect afresh. Null when there is none. It may have been closed by the
     * child meanwhile (the holder checks).
     */
    public ChildConnection keptConnection() {
        return kept;
    }

    /**
     * Whether this lease was granted ahead: on a busy child, behind its current request, on the connection that
     * request runs on ({@link #keptConnection()}, open and not between requests). The holder writes its whole request
     * there at once but reads nothing until {@link #promoted()}.
     */
    public boolean isAhead() {
        return ahead;
    }

    /**
     * For a lease granted ahead: completes when the request before it completed and this one is the child's current
     * request, on the thread that released that one (for the gateway, the connection's event loop, inside the read of
     * its END_REQUEST). Never completes if the lease is revoked first. Already complete for other leases.
     */
    public CompletableFuture<Void> promoted() {
        if (!ahead) {
            return CompletableFuture.completedFuture(null);
        }
        return promoted;
    }

    /**
     * The whole request is written on {@code connection}, which the holder means to keep with the child
     * ({@link #release(ChildConnection)}): the pool may write one request ahead on it (its {@code write_ahead}).
     * Optional; only once per lease.
     */
    public void connectionInUse(ChildConnection connection) {
        pool.connectionInUse(this, connection);
    }

    void completePromotion() {
        promoted.complete(null);
    }

    /** What the caller said about the request (method, URI, content length, script). */
    public RequestInfo request() {
        return request;
    }

    /** Completes only if the pool takes the child away mid-request; never completes after a release. */
    public CompletableFuture<Revocation> revoked() {
        return revoked;
    }

    /**
     * The child sent its first response byte: reported once to the pool's {@link PoolObserver} as time to first
     * byte. Optional; later calls are ignored.
     */
    public void firstByte() {
        if (!firstByteSeen) {
            firstByteSeen = true;
            pool.firstByte(this);
        }
    }

    /** The request completed; the child may serve the next one. Nothing is kept open to it. */
    public void release() {
        pool.release(this, Pool.ReleaseKind.COMPLETED, null);
    }

    /**
     * The request completed and {@code keep} (open, between requests) stays with the child: its next lease gets it
     * as {@link #keptConnection()}. Should the child be stopped instead (recycled, draining) or the lease have been
     * revoked, the pool closes it.
     */
    public void release(ChildConnection keep) {
        pool.release(this, Pool.ReleaseKind.COMPLETED, keep);
    }

    /**
     * The holder gave up before sending anything: the child goes back as it was, with {@link #keptConnection()},
     * and the lease does not count as a request served.
     */
    public void releaseUnused() {
        pool.release(this, Pool.ReleaseKind.UNUSED, kept);
    }

    /**
     * The exchange failed (I/O error, caller gave up mid-request): stop this child and replace it. The holder closes
     * its connection; the pool closes {@link #keptConnection()} too.
     */
    public void releaseBroken() {
        pool.release(this, Pool.ReleaseKind.BROKEN, null);
    }

    void completeRevocation(Revocation why) {
        revoked.complete(why);
        pool.revoked(this, why);
    }

    @Override
    public String toString() {
        return "Lease[pool=" + pool.name() + ", child=" + slot.id + ", pid=" + pid + ", uri=" + request.uri() + "]";
    }
}
