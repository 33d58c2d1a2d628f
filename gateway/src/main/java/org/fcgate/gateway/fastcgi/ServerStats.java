package org.fcgate.gateway.fastcgi;

/**
 * What the requests sent to one external server add up to, as its meters read it: each request sent there
 * (BEGIN_REQUEST written) is told to the {@link RequestListener} once, when it ends on that server. The metrics set
 * the listener; until then, and after they let go, nothing is recorded.
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

    private volatile RequestListener listener = RequestListener.NONE;

    /** Sets who hears of each request ({@link RequestListener#NONE}: nobody). */
    public void listen(RequestListener l) {
        this.listener = l;
    }

    void requestEnded(int status, long firstByteNanos, long totalNanos) {
        listener.requestEnded(status, firstByteNanos, totalNanos);
    }
}
