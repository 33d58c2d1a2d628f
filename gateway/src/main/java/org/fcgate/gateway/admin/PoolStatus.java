package org.fcgate.gateway.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.status.ChildSnapshot;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.PoolCounters;
import org.fcgate.pool.status.PoolSnapshot;
import org.fcgate.pool.status.RequestInfo;

/**
 * php-fpm's status page fields, in php-fpm 8.2's order, mapped from one pool scoreboard copy (docs/observability.md
 * has the table). Pure values: every writer renders this and nothing else.
 *
 * <p>A request written ahead ({@code write_ahead}) waits for a child as a queued caller does, so it counts in
 * {@code listen queue} and {@code max listen queue} (php-fpm holds both kinds in its socket backlog). With
 * {@code write_ahead} on, fcgate's own field {@code written ahead} (after php-fpm's) says how many of {@code listen
 * queue} are written ahead; with it off the page has php-fpm's fields only.
 *
 * @param writtenAhead requests written ahead now; empty when the pool's {@code write_ahead} is off
 */
record PoolStatus(String pool, String processManager, Instant startTime, long startSince, long acceptedConn,
                  long listenQueue, long maxListenQueue, long listenQueueLen, long idleProcesses,
                  long activeProcesses, long totalProcesses, long maxActiveProcesses, long maxChildrenReached,
                  long slowRequests, OptionalLong writtenAhead, List<Process> processes) {

    /** One {@code ?full} row; strings are {@code -} when unknown, like php-fpm. */
    record Process(long pid, String state, Instant startTime, long startSince, long requests,
                   long requestDurationMicros, String requestMethod, String requestUri, long contentLength,
                   String user, String script, String lastRequestCpu, long lastRequestMemory) {
    }

    /** @param slowRequests the pool's count from the slow-request log (php-fpm keeps it in its scoreboard) */
    static PoolStatus of(PoolSnapshot s, PoolConfig config, long slowRequests, Instant now) {
        PoolCounters c = s.counters();
        Instant started = s.started() != null ? s.started() : now;
        long idle = s.count(ChildState.IDLE);
        long active = s.count(ChildState.BUSY);
        List<Process> rows = new ArrayList<>();
        for (ChildSnapshot child : s.children()) {
            rows.add(process(child, now));
        }
        return new PoolStatus(s.name(), config.pm().name().toLowerCase(Locale.ROOT), started, seconds(started, now),
                c.leases(), c.waitingNow(), c.maxQueueLength(), config.queueMax(), idle, active, idle + active,
                c.maxActive(), c.maxChildrenReached(), slowRequests,
                config.writeAhead().isZero() ? OptionalLong.empty() : OptionalLong.of(c.writtenAhead()),
                List.copyOf(rows));
    }

    private static Process process(ChildSnapshot c, Instant now) {
        RequestInfo r = c.request();
        boolean busy = c.state() == ChildState.BUSY;
        long micros = busy && c.requestStart() != null ? Duration.between(c.requestStart(), now).toNanos() / 1000
                : c.lastDuration() != null ? c.lastDuration().toNanos() / 1000 : 0;
        return new Process(c.pid(), stateName(c.state()), c.started(), seconds(c.started(), now),
                c.requestsServed(), Math.max(0, micros), r == null || r.method().isEmpty() ? "-" : r.method(),
                r == null || r.uri().isEmpty() ? "-" : r.uri(), r == null ? 0 : r.contentLength(), "-",
                r == null || r.script().isEmpty() ? "-" : r.script(), "0.00",
                busy ? 0 : c.rssKb() * 1024);
    }

    /** php-fpm's request stage names: Idle, Running; Starting and Ending for children not serving yet / any more. */
    static String stateName(ChildState state) {
        return switch (state) {
            case IDLE -> "Idle";
            case BUSY -> "Running";
            case STARTING -> "Starting";
            case STOPPING -> "Ending";
        };
    }

    private static long seconds(Instant from, Instant now) {
        return Math.max(0, Duration.between(from, now).getSeconds());
    }
}
