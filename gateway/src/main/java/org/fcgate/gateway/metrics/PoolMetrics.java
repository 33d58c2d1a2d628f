package org.fcgate.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.Meter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolObserver;
import org.fcgate.pool.Revocation;
import org.fcgate.pool.status.ChildSnapshot;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.fcgate.pool.status.PoolCounters;
import org.fcgate.pool.status.PoolSnapshot;

/**
 * One managed pool's meters. Gauges and counters read the pool's scoreboard copy taken by {@link #refresh()} once per
 * scrape (one lock, one consistent view: STYLE 10); the histograms are fed by the pool's {@link PoolObserver}.
 * Every meter has the label {@code pool} (a configured name) and nothing else but bounded enums.
 *
 * <p>Across a configuration reload the meters stay, keyed by the pool's name: a new generation of the pool
 * ({@link #switchTo}) is added to the generations measured. Children count in every generation still running (the
 * old one finishing its requests included), counters add up over all generations, stopped ones included, so they
 * never go backwards; {@code max_children} and {@code queue_max} are the current generation's.
 */
final class PoolMetrics implements PoolObserver {

    private final List<Pool> generations = new ArrayList<>(); // guarded by this; the last is the current one
    private PoolCounters stopped; // counters of generations that stopped; guarded by this
    private final List<Meter> meters = new ArrayList<>();
    private final AtomicReference<PoolSnapshot> last = new AtomicReference<>();
    private final Timer queueWait;
    private final Timer firstByte;
    private final Timer busy;
    private final ToLongFunction<String> slowRequests;
    private final Counter timeouts;
    private final Counter childFailed;
    private final Counter writeAheads;

    /** @param slowRequests slow requests reported per pool name (the slow-request log's count; monotonic) */
    PoolMetrics(Pool pool, MeterRegistry registry, ToLongFunction<String> slowRequests) {
        generations.add(pool);
        last.set(pool.snapshot());
        Tags tags = Tags.of("pool", pool.name());
        for (ChildState s : ChildState.values()) {
            gauge(registry, "fcgate.pool.children", "Children by state", tags.and("state", Labels.of(s)),
                    p -> p.count(s));
        }
        meters.add(Gauge.builder("fcgate.pool.max.children", this, m -> m.pool().config().maxChildren()).tags(tags)
                .description("Configured max_children (capacity)").register(registry));
        meters.add(Gauge.builder("fcgate.pool.queue.capacity", this, m -> m.pool().config().queueMax()).tags(tags)
                .description("Configured queue_max").register(registry));
        // A request written ahead waits for a child too (php-fpm's listen queue): counted here, and on its own below.
        gauge(registry, "fcgate.pool.queue.length", "Callers waiting for a child now: in the queue, or written ahead"
                + " on a busy child (php-fpm listen queue)", tags, p -> p.counters().waitingNow());
        gauge(registry, "fcgate.pool.queue.length.peak", "Most callers waiting for a child at once (php-fpm max"
                + " listen queue)", tags, p -> p.counters().maxQueueLength());
        gauge(registry, "fcgate.pool.queue.written.ahead", "Of the callers waiting now, those written ahead on a busy"
                + " child's kept connection (write_ahead)", tags, p -> p.counters().writtenAhead());
        gauge(registry, "fcgate.pool.active.peak", "Most children busy at once", tags,
                p -> p.counters().maxActive());
        gauge(registry, "fcgate.pool.degraded", "1 while a crash loop holds respawning back", tags,
                p -> p.degraded() ? 1 : 0);
        counter(registry, "fcgate.pool.leases", "Leases granted (php-fpm accepted conn)", tags,
                PoolCounters::leases);
        counter(registry, "fcgate.pool.max.children.reached", "Callers that had to wait with max_children running",
                tags, PoolCounters::maxChildrenReached);
        counter(registry, "fcgate.pool.rejections", "Callers refused (503)", tags.and("reason", "queue_full"),
                PoolCounters::rejectedQueueFull);
        counter(registry, "fcgate.pool.rejections", "Callers refused (503)", tags.and("reason", "queue_timeout"),
                PoolCounters::rejectedQueueTimeout);
        counter(registry, "fcgate.pool.rejections", "Callers refused (503)", tags.and("reason", "unavailable"),
                PoolCounters::rejectedUnavailable);
        counter(registry, "fcgate.pool.spawns", "Children spawned", tags, PoolCounters::spawns);
        this.slowRequests = slowRequests;
        // The state object must be strongly held elsewhere (Micrometer keeps it weakly): this, held by GatewayMetrics.
        meters.add(FunctionCounter.builder("fcgate.pool.slow.requests", this, m -> m.slowRequests.applyAsLong(
                m.pool().name()))
                .tags(tags).description("Requests still running after slow_request_timeout (php-fpm slow requests)")
                .register(registry));
        for (ExitReason r : ExitReason.values()) {
            counter(registry, "fcgate.pool.child.exits", "Children exited, by reason",
                    tags.and("reason", Labels.of(r)), c -> c.exits(r));
        }
        this.timeouts = Counter.builder("fcgate.pool.request.timeouts").tags(tags)
                .description("Requests that ran past request_timeout (lease revoked, 504)").register(registry);
        this.childFailed = Counter.builder("fcgate.pool.child.failures").tags(tags)
                .description("Children lost mid-request (lease revoked, 502)").register(registry);
        this.writeAheads = Counter.builder("fcgate.pool.write.ahead").tags(tags)
                .description("Requests written ahead on a busy child's kept connection (write_ahead)")
                .register(registry);
        meters.add(timeouts);
        meters.add(childFailed);
        meters.add(writeAheads);
        this.queueWait = timer(registry, "fcgate.pool.queue.wait", "Time a granted caller waited for a child", tags);
        this.firstByte = timer(registry, "fcgate.pool.time.to.first.byte",
                "From the lease to the child's response head", tags);
        this.busy = timer(registry, "fcgate.pool.child.busy", "How long a child was leased for one request", tags);
        meters.add(queueWait);
        meters.add(firstByte);
        meters.add(busy);
        pool.observe(this);
    }

    /** A new generation of the pool is the current one from now on; the old ones stay measured until they stop. */
    synchronized void switchTo(Pool next) {
        if (!next.name().equals(pool().name())) {
            throw new IllegalArgumentException("pool " + next.name() + " is not a generation of " + pool().name());
        }
        if (!generations.contains(next)) {
            generations.add(next);
            next.observe(this);
        }
    }

    /**
     * Takes the scoreboard copy the next scrape reads: every running generation's children, the counters of all
     * generations, the current generation's state. A generation found stopped is folded into the totals and dropped.
     */
    synchronized void refresh() {
        List<PoolSnapshot> snapshots = new ArrayList<>(generations.size());
        for (Pool p : generations) {
            snapshots.add(p.snapshot());
        }
        PoolSnapshot current = snapshots.get(snapshots.size() - 1);
        List<ChildSnapshot> children = new ArrayList<>();
        PoolCounters counters = stopped;
        for (int i = snapshots.size() - 1; i >= 0; i--) {
            PoolSnapshot s = snapshots.get(i);
            counters = counters == null ? s.counters() : counters.plus(s.counters());
            children.addAll(s.children());
            if (i < snapshots.size() - 1 && s.state().equals(Pool.State.STOPPED.name())) {
                stopped = stopped == null ? s.counters() : stopped.plus(s.counters());
                generations.remove(i).observe(PoolObserver.NONE);
            }
        }
        last.set(new PoolSnapshot(current.name(), current.state(), current.degraded(), children, counters,
                current.started()));
    }

    /** The current generation. */
    synchronized Pool pool() {
        return generations.get(generations.size() - 1);
    }

    PoolSnapshot snapshot() {
        return last.get();
    }

    /** Stops observing every generation. */
    synchronized void detach() {
        generations.forEach(p -> p.observe(PoolObserver.NONE));
    }

    /** Detaches and removes this pool's meters from {@code registry} (the pool was removed by a reload). */
    void remove(MeterRegistry registry) {
        detach();
        meters.forEach(registry::remove);
    }

    @Override
    public void leaseGranted(Duration wait) {
        queueWait.record(wait);
    }

    @Override
    public void firstByte(Duration sinceGrant) {
        firstByte.record(sinceGrant);
    }

    @Override
    public void leaseReleased(Duration held, boolean broken) {
        busy.record(held);
    }

    @Override
    public void writeAheadGranted() {
        writeAheads.increment();
    }

    @Override
    public void leaseRevoked(Duration held, Revocation why) {
        busy.record(held);
        if (why == Revocation.TIMED_OUT) {
            timeouts.increment();
        } else if (why == Revocation.CHILD_FAILED) {
            childFailed.increment();
        }
    }

    private void gauge(MeterRegistry registry, String name, String help, Tags tags, ToDoubleFunction<PoolSnapshot> f) {
        meters.add(Gauge.builder(name, last, ref -> f.applyAsDouble(ref.get())).tags(tags).description(help)
                .register(registry));
    }

    private void counter(MeterRegistry registry, String name, String help, Tags tags,
                         ToDoubleFunction<PoolCounters> f) {
        meters.add(FunctionCounter.builder(name, last, ref -> f.applyAsDouble(ref.get().counters())).tags(tags)
                .description(help).register(registry));
    }

    private static Timer timer(MeterRegistry registry, String name, String help, Tags tags) {
        return Timer.builder(name).tags(tags).description(help).serviceLevelObjectives(Labels.SLO_BUCKETS)
                .register(registry);
    }
}
