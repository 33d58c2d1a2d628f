package org.fcgate.gateway.fastcgi;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.fcgate.gateway.error.Reason;

/**
 * External FastCGI servers (php-fpm, fcgate pool servers, another fcgate) by address, used round-robin among those
 * that are up ({@link ServerHealth}): the next one that can take a request at once wins; when every one that is up is
 * at its connection cap, the request waits at the first of them. The next request starts after the server chosen
 * (nginx's round robin), so servers skipped because they are down give their turns to all the others alike, not
 * each to the one after it. When none is up, the request is answered 503 with Retry-After at once, never queued
 * behind servers known to be down.
 *
 * <p>A request that failed on one server goes to another through {@link #openAnother} ({@link Retries} decides
 * whether it may); the {@link HealthChecker} runs for groups of two or more servers when {@code health_check} is on.
 */
final class ExternalServersBackend implements Backend {

    private final ExternalServerOptions options;
    private final List<ServerConnections> servers;
    private final AtomicInteger next = new AtomicInteger();
    private final Optional<HealthChecker> checker;

    ExternalServersBackend(ExternalServerOptions options, FastCgiUpstreamOptions upstream) {
        this(options, upstream, Map.of());
    }

    /** @param carried the stats of servers that stay, by address as configured (a reload's previous generation) */
    ExternalServersBackend(ExternalServerOptions options, FastCgiUpstreamOptions upstream,
                           Map<String, ServerStats> carried) {
        this.options = options;
        List<ServerConnections> list = new ArrayList<>();
        for (BackendAddress a : options.addresses()) {
            ServerStats stats = carried.get(a.toString());
            list.add(new ServerConnections(a, options, upstream, stats != null ? stats : new ServerStats()));
        }
        this.servers = List.copyOf(list);
        if (options.tracksHealth() && options.failover().healthCheck().enabled()) {
            HealthChecker c = new HealthChecker(options.name(), servers, options.failover().healthCheck(),
                    upstream.limits());
            c.start();
            this.checker = Optional.of(c);
        } else {
            this.checker = Optional.empty();
        }
    }

    @Override
    public String name() {
        return options.name();
    }

    List<ServerConnections> servers() {
        return servers;
    }

    @Override
    public Runnable open(EventLoop loop, String uri, Callback callback) {
        return open(loop, callback, false, List.of(), false);
    }

    /** At its server's cap, it may be written ahead on a busy kept connection ({@code write_ahead}). */
    @Override
    public Runnable openMayGoAhead(EventLoop loop, org.fcgate.pool.status.RequestInfo request, Callback callback) {
        return open(loop, callback, false, List.of(), options.writesAhead());
    }

    @Override
    public Runnable openFresh(EventLoop loop, String uri, List<BackendAddress> failedOn, Callback callback) {
        return open(loop, callback, true, failedOn, false);
    }

    @Override
    public Runnable openAnother(EventLoop loop, String uri, List<BackendAddress> failedOn, Callback callback) {
        BackendAddress last = failedOn.get(failedOn.size() - 1);
        servers.stream().filter(s -> s.address().equals(last)).forEach(s -> s.health().retried());
        return open(loop, callback, false, failedOn, false);
    }

    @Override
    public boolean hasAnother(List<BackendAddress> failedOn) {
        long now = System.nanoTime();
        return servers.stream().anyMatch(s -> !failedOn.contains(s.address()) && s.health().available(now));
    }

    @Override
    public int maxTries() {
        return options.failover().maxTries();
    }

    private Runnable open(EventLoop loop, Callback callback, boolean fresh, List<BackendAddress> avoid,
                          boolean mayGoAhead) {
        long now = System.nanoTime();
        int chosen = pick(next, servers.size(),
                i -> !avoid.contains(servers.get(i).address()) && servers.get(i).health().available(now),
                i -> servers.get(i).hasCapacity(loop));
        if (chosen < 0) {
            Failure none = new Failure(Reason.NO_LIVE_SERVER, "no server of upstream " + options.name()
                    + " is up" + (avoid.isEmpty() ? "" : " besides " + avoid), Optional.of(options.retryAfter()));
            loop.execute(() -> callback.failed(none));
            return () -> { };
        }
        return servers.get(chosen).acquire(loop, callback, fresh, mayGoAhead);
    }

    /**
     * The round-robin choice among {@code n} servers at {@code cursor}, which then points after the server chosen:
     * with one of three down, the two others get half each (starting at the next index instead would give the one
     * after the down server its turn too: two thirds). A lost race for the cursor chooses again from where the
     * winner left it, so concurrent requests share alike too. -1 (cursor unchanged) when none is usable.
     */
    static int pick(AtomicInteger cursor, int n, IntPredicate usable, IntPredicate hasCapacity) {
        while (true) {
            int at = cursor.get();
            int chosen = choose(n, Math.floorMod(at, n), usable, hasCapacity);
            if (chosen < 0 || cursor.compareAndSet(at, chosen + 1)) {
                return chosen;
            }
        }
    }

    /**
     * The round-robin choice among {@code n} servers from {@code start}: the first {@code usable} one with capacity,
     * else the first usable one (the request waits there for a slot), else -1 (none usable).
     */
    static int choose(int n, int start, IntPredicate usable, IntPredicate hasCapacity) {
        int waitAt = -1;
        for (int i = 0; i < n; i++) {
            int k = (start + i) % n;
            if (!usable.test(k)) {
                continue;
            }
            if (hasCapacity.test(k)) {
                return k;
            }
            if (waitAt < 0) {
                waitAt = k;
            }
        }
        return waitAt;
    }

    @Override
    public void close() {
        checker.ifPresent(HealthChecker::close);
        servers.forEach(ServerConnections::close);
    }
}
