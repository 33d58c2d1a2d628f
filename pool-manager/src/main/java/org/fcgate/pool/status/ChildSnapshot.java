package org.fcgate.pool.status;

import java.time.Duration;
import java.time.Instant;

/**
 * One child's scoreboard row, copied under the pool lock.
 *
 * @param pid             0 until the process exists
 * @param requestStart    wall-clock start of the current request, null when not busy
 * @param requestUri      the current request's URI as the caller gave it, null when not busy
 * @param lastDuration    duration of the last completed request, null before the first
 * @param rssKb           VmRSS at the last sample, 0 when not sampled yet
 * @param request         the current request while busy, else the last one served; null before the first
 */
public record ChildSnapshot(
        long id,
        long pid,
        ChildState state,
        Instant started,
        long requestsServed,
        Instant requestStart,
        String requestUri,
        Duration lastDuration,
        long rssKb,
        RequestInfo request) {

    /** Without {@code request} (the shape before the status page needed it). */
    public ChildSnapshot(long id, long pid, ChildState state, Instant started, long requestsServed,
                         Instant requestStart, String requestUri, Duration lastDuration, long rssKb) {
        this(id, pid, state, started, requestsServed, requestStart, requestUri, lastDuration, rssKb, null);
    }
}
