package org.fcgate.gateway.fastcgi;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one external server of a group has seen, across configuration generations: a reload that gives the group new
 * connections ({@code FastCgiBackend.external(…, previous)}) hands each address that stays its stats, so its counters
 * go on from where they were and its meters never reset; an address new to the group starts from zero. Every
 * generation still running (the old one finishing its requests) adds to the same counters, and its connections
 * count in {@link #connections()} until they close.
 *
 * <p>Each request sent there (BEGIN_REQUEST written) is told to the {@link RequestListener} once, when it ends on
 * that server. The metrics set the listener; until then, and after they let go, nothing is recorded.
 *
 * <p>Thread-safe: requests end on every event loop; the listener is one volatile read per request.
 */
public final class ServerStats {

    /** Told of every request that ended on the server; must not block (it runs on an event loop). */
    public interface RequestListener {
        RequestListener NONE = (status, firstByteNanos, totalNanos) -> { };

        /**
         * @param status         the server's status, or the one its failure gave ({@link Backend.Session#status})
         * @param firstByteNanos from BEGIN_REQUEST sent to the response head; -1 when no head came
         * @param totalNanos     from BEGIN_REQUEST sent to END_REQUEST, or to the failure that ended the request
         */
        void requestEnded(int status, long firstByteNanos, long totalNanos);
    }

    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong ejections = new AtomicLong();
    private final AtomicLong checkFailures = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong writtenAhead = new AtomicLong();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile RequestListener listener = RequestListener.NONE;

    /** Sets who hears of each request ({@link RequestListener#NONE}: nobody). */
    public void listen(RequestListener l) {
        this.listener = l;
    }

    void requestEnded(int status, long firstByteNanos, long totalNanos) {
        listener.requestEnded(status, firstByteNanos, totalNanos);
    }

    /** Requests the server failed before answering (connect, lost connection, silence). */
    public long failures() {
        return failures.get();
    }

    /** Times {@code max_fails} failed requests ejected the server. */
    public long ejections() {
        return ejections.get();
    }

    /** Active health checks that failed. */
    public long checkFailures() {
        return checkFailures.get();
    }

    /** Requests that failed here and were tried on another server. */
    public long retries() {
        return retries.get();
    }

    /** Connections open to the server now, of every generation: connecting, busy and kept idle. */
    public int connections() {
        return connections.get();
    }

    void failed() {
        failures.incrementAndGet();
    }

    void ejected() {
        ejections.incrementAndGet();
    }

    void checkFailed() {
        checkFailures.incrementAndGet();
    }

    void retried() {
        retries.incrementAndGet();
    }

    /** Requests written ahead on a busy kept connection to the server (write_ahead), promoted or not. */
    public long writtenAhead() {
        return writtenAhead.get();
    }

    void wroteAhead() {
        writtenAhead.incrementAndGet();
    }

    void connectionsChanged(int delta) {
        connections.addAndGet(delta);
    }
}
