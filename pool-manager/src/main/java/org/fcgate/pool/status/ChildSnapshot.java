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
        long rssKb) {
}
