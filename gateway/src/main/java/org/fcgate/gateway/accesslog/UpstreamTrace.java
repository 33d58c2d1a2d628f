package org.fcgate.gateway.accesslog;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * What the upstream side of one request did, for the access log and the slow-request log: the upstream's name, the
 * child's pid and two durations. Created by {@link ExchangeRecorder} when a request starts and kept on the channel;
 * the FastCGI exchange fills it in. Event-loop confined, like everything else about a connection.
 *
 * <pre>
 *   queue          = acquiring → opened     (waiting for a child or a connection slot, plus connecting)
 *   upstream_time  = opened    → finished   (request sent, response read to END_REQUEST or failure)
 * </pre>
 * A request that was never forwarded keeps every field absent. A local redirect that forwards again overwrites
 * the fields: the last upstream contact is the one logged.
 */
public final class UpstreamTrace {

    static final AttributeKey<UpstreamTrace> KEY = AttributeKey.valueOf("fcgate.upstreamTrace");

    /** Ignores everything: for channels without a recorder (access log and metrics both off). */
    private static final UpstreamTrace NONE = new UpstreamTrace();

    private String upstream;
    private long pid;
    private long acquiringNanos;
    private long openedNanos;
    private long finishedNanos;
    private boolean acquiring;
    private boolean opened;
    private boolean finished;

    UpstreamTrace() {
    }

    /** A trace that ignores everything. */
    public static UpstreamTrace none() {
        return NONE;
    }

    /** The trace of the request being served on {@code channel}; a no-op trace when nothing records. */
    public static UpstreamTrace of(Channel channel) {
        UpstreamTrace t = channel.attr(KEY).get();
        return t == null ? NONE : t;
    }

    /** The upstream is asked for a child or connection. */
    public void acquiring(String upstreamName) {
        if (this == NONE) {
            return;
        }
        upstream = upstreamName;
        pid = 0;
        acquiringNanos = System.nanoTime();
        acquiring = true;
        opened = false;
        finished = false;
    }

    /** A child (pid, 0 when unknown) or connection was granted and connected. */
    public void opened(long childPid) {
        if (this == NONE || !acquiring) {
            return;
        }
        pid = childPid;
        openedNanos = System.nanoTime();
        opened = true;
    }

    /** The upstream part ended (END_REQUEST, failure or abort); the first call counts. */
    public void finished() {
        if (this == NONE || !acquiring || finished) {
            return;
        }
        finishedNanos = System.nanoTime();
        finished = true;
    }

    /** Upstream name, or null when the request was not forwarded. */
    String upstream() {
        return upstream;
    }

    /** The child's pid, 0 when unknown. */
    long pid() {
        return pid;
    }

    /** Nanoseconds waited for the child or connection; -1 when it never came. */
    long queueNanos(long nowNanos) {
        if (!acquiring) {
            return -1;
        }
        return opened ? openedNanos - acquiringNanos : -1;
    }

    /** Nanoseconds from the upstream being opened to its end (or to {@code nowNanos} while running); -1 if never opened. */
    long upstreamNanos(long nowNanos) {
        if (!opened) {
            return -1;
        }
        return (finished ? finishedNanos : nowNanos) - openedNanos;
    }
}
