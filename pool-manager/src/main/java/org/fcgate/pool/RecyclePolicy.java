package org.fcgate.pool;

import java.time.Duration;
import java.util.random.RandomGenerator;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.status.ExitReason;

/**
 * When a healthy child is replaced: after {@code max_requests} (± {@code max_requests_jitter}, drawn once per
 * child so children do not recycle together), past {@code max_lifetime}, with VmRSS above
 * {@code rss_limit_kb} after a request, or when a rolling restart made it old. All of these apply after a
 * request, never during one; an idle child past its lifetime is replaced by the maintenance tick.
 */
final class RecyclePolicy {
    private final PoolConfig config;
    private final RandomGenerator random;

    RecyclePolicy(PoolConfig config, RandomGenerator random) {
        this.config = config;
        this.random = random;
    }

    /** Requests a new child may serve, jitter included; 0 when {@code max_requests} is off. */
    long requestBudget() {
        if (config.maxRequests() <= 0) {
            return 0;
        }
        int jitter = config.maxRequestsJitter();
        return config.maxRequests() + (jitter == 0 ? 0 : random.nextInt(-jitter, jitter + 1));
    }

    /** Why {@code slot} must go after the request it just finished, or null to keep it. */
    ExitReason afterRequest(ChildSlot slot, long now, int generation) {
        if (slot.recycleAfterRequests > 0 && slot.requests >= slot.recycleAfterRequests) {
            return ExitReason.MAX_REQUESTS;
        }
        if (hasLifetime() && now - lifetimeEnd(slot) >= 0) {
            return ExitReason.LIFETIME;
        }
        if (config.rssLimitKb() > 0 && slot.rssKb > config.rssLimitKb()) {
            return ExitReason.RSS;
        }
        if (slot.generation < generation) {
            return ExitReason.RESTART;
        }
        return null;
    }

    /**
     * Whether {@code slot} would still be kept after its current request and {@code more} after it, as far as can be
     * told now (max requests, lifetime, last RSS sample, generation): a request written ahead must not land on a child
     * that is then recycled.
     */
    boolean keepsFor(ChildSlot slot, int more, long now, int generation) {
        if (slot.recycleAfterRequests > 0 && slot.requests + 1 + more > slot.recycleAfterRequests) {
            return false;
        }
        if (hasLifetime() && now - lifetimeEnd(slot) >= 0) {
            return false;
        }
        if (config.rssLimitKb() > 0 && slot.rssKb > config.rssLimitKb()) {
            return false;
        }
        return slot.generation >= generation;
    }

    boolean hasLifetime() {
        return config.maxLifetime().compareTo(Duration.ZERO) > 0;
    }

    long lifetimeEnd(ChildSlot slot) {
        return slot.startNanos + config.maxLifetime().toNanos();
    }
}
