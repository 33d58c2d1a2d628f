package org.fcgate.pool;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.spawn.CommandLine;
import org.fcgate.pool.spawn.OutputSink;
import org.fcgate.pool.spawn.ProcessLauncher;
import org.fcgate.pool.spawn.RuntimeDirectory;
import org.fcgate.pool.spawn.Spawner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the process machinery shared by all pools: the one spawner thread, the private runtime directory, the
 * readiness probes and the maintenance thread that drives every pool's {@link Pool#tick}.
 *
 * <p>Lifecycle: {@link #create} → {@link #addPool} (any number) → {@link #close} (shutdown every pool with
 * a deadline, wait for all children to be reaped, stop the spawner thread, delete the runtime directory). If
 * the JVM dies instead, the kernel kills every child ({@code setpriv --pdeathsig SIGKILL}).
 *
 * <p>Generations (configuration reload): {@link #addGeneration} starts a second pool under a name already in use,
 * with a socket directory of its own ({@code NAME~2}, {@code NAME~3}, ...; {@code ~} is not allowed in pool names),
 * beside the one it replaces; from then on {@link #pool(String)} and {@link #pools()} show the newest generation.
 * {@link #retire} shuts an old generation (or a removed pool) down and forgets it once every child is reaped;
 * retiring the newest generation makes the previous one current again (a reload rolled back). {@link #close} stops
 * every generation.
 */
public final class PoolManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PoolManager.class);
    /** Default deadline for {@link #close()}. */
    public static final Duration DEFAULT_SHUTDOWN_DEADLINE = Duration.ofSeconds(10);

    private final POSIX posix = POSIXFactory.getNativePOSIX();
    private final RuntimeDirectory runtime;
    private final Spawner spawner;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService probes;
    private final OutputSink sink;
    private final CommandLine commandLine = new CommandLine(Path.of("/usr/bin/setpriv"), Path.of("/usr/bin/prlimit"),
            Path.of("/usr/bin/env"));
    /** Every pool not yet retired-and-stopped, oldest first; guarded by {@code this}. */
    private final List<Pool> pools = new ArrayList<>();
    /** Pools being shut down by {@link #retire}; guarded by {@code this}. */
    private final Set<Pool> retired = new HashSet<>();
    /** Generations started per name, for the socket directory of the next one; guarded by {@code this}. */
    private final Map<String, Integer> generations = new HashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private PoolManager(Path runtimeDir, OutputSink sink) {
        this.runtime = RuntimeDirectory.create(runtimeDir);
        this.sink = sink;
        this.spawner = new Spawner(posix);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("fcgate-pool-ticker"));
        this.probes = Executors.newCachedThreadPool(daemon("fcgate-probe"));
    }

    /**
     * A manager with its runtime directory at {@code /tmp/fcgate-PID} and child output logged via slf4j. A directory
     * of that name left by an earlier process with this pid (a container restarted after a SIGKILL) is removed first
     * ({@link RuntimeDirectory#removeLeftover}).
     */
    public static PoolManager create() {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "fcgate-" + ProcessHandle.current().pid());
        if (RuntimeDirectory.removeLeftover(dir, POSIXFactory.getNativePOSIX().geteuid())) {
            log.warn("removed {}, left by an earlier process with this pid that did not stop cleanly", dir);
        }
        return create(dir, OutputSink.logging());
    }

    /**
     * @param runtimeDir created with mode 0700; must not exist yet; keep it short (Unix socket paths are
     *                   limited to 107 bytes)
     */
    public static PoolManager create(Path runtimeDir, OutputSink sink) {
        return new PoolManager(runtimeDir, sink);
    }

    /**
     * Validated config in, running pool out (its initial children are being spawned).
     *
     * @throws IllegalArgumentException when a pool of that name runs already (use {@link #addGeneration})
     */
    public Pool addPool(PoolConfig config) {
        return start(config, false);
    }

    /**
     * Starts a new generation of the pool named in {@code config}, beside the current one if there is one (then it
     * is as {@link #addPool}). The new pool is current from now on; the old one keeps serving the leases it granted
     * and the callers that still ask it, until {@link #retire}d.
     */
    public Pool addGeneration(PoolConfig config) {
        return start(config, true);
    }

    private Pool start(PoolConfig config, boolean generation) {
        if (closed.get()) {
            throw new IllegalStateException("manager closed");
        }
        Pool pool;
        synchronized (this) {
            if (!generation && current(config.name()) != null) {
                throw new IllegalArgumentException("duplicate pool name: " + config.name());
            }
            int n = generations.merge(config.name(), 1, Integer::sum);
            String directory = n == 1 ? config.name() : config.name() + "~" + n;
            ProcessLauncher launcher = new ProcessLauncher(config, posix, spawner, runtime, directory, scheduler,
                    probes, sink, commandLine);
            pool = new Pool(config, launcher, System::nanoTime, RandomGenerator.getDefault());
            pools.add(pool);
        }
        new Driver(pool).install();
        pool.start();
        return pool;
    }

    /**
     * Shuts {@code pool} down ({@link Pool#shutdown}: no new leases, requests in flight finish, at {@code deadline}
     * they are revoked) and forgets it once it stopped. If it was the current generation of its name, the previous
     * generation still running becomes current again, else the name is gone.
     */
    public CompletableFuture<Void> retire(Pool pool, Duration deadline) {
        synchronized (this) {
            if (!pools.contains(pool)) {
                throw new IllegalArgumentException("not a pool of this manager: " + pool.name());
            }
            retired.add(pool);
        }
        return pool.shutdown(deadline).whenComplete((v, e) -> {
            synchronized (this) {
                pools.remove(pool);
                retired.remove(pool);
            }
        });
    }

    /** The current (newest, not retired) generation of the pool named {@code name}, or null. */
    public synchronized Pool pool(String name) {
        return current(name);
    }

    /** The current generation of every pool, in the order the names were first added. */
    public synchronized Collection<Pool> pools() {
        Map<String, Pool> current = new LinkedHashMap<>();
        for (Pool p : pools) {
            if (!retired.contains(p)) {
                current.put(p.name(), p); // later generations replace earlier ones, keeping the first position
            }
        }
        return List.copyOf(current.values());
    }

    /** Every generation still running, retired ones included (for tests and shutdown). */
    public synchronized Collection<Pool> allGenerations() {
        return List.copyOf(pools);
    }

    private Pool current(String name) {
        for (int i = pools.size() - 1; i >= 0; i--) {
            Pool p = pools.get(i);
            if (p.name().equals(name) && !retired.contains(p)) {
                return p;
            }
        }
        return null;
    }

    public Path runtimeDirectory() {
        return runtime.root();
    }

    /** Shuts every pool down (see {@link Pool#shutdown}); completes when all of them stopped. */
    public CompletableFuture<Void> shutdown(Duration deadline) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Pool p : allGenerations()) {
            all.add(p.shutdown(deadline));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    /**
     * Shuts down with {@link #DEFAULT_SHUTDOWN_DEADLINE}, waits for every child to be reaped (deadline plus the
     * kill grace plus a margin), then releases the threads and the runtime directory.
     */
    @Override
    public void close() {
        close(DEFAULT_SHUTDOWN_DEADLINE);
    }

    public void close(Duration deadline) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long graceMillis = allGenerations().stream().mapToLong(p -> p.config().killGrace().toMillis()).max().orElse(0);
        try {
            shutdown(deadline).get(deadline.toMillis() + graceMillis + 5_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.error("children still alive after shutdown deadline; the spawner thread's exit will SIGKILL them");
        } catch (ExecutionException e) {
            log.error("pool shutdown failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scheduler.shutdownNow();
        probes.shutdownNow();
        spawner.close();
        runtime.close();
    }

    /** Runs one pool's {@link Pool#tick} on the maintenance thread when it asks, and when its last delay ends. */
    private final class Driver {
        private final Pool pool;
        private final AtomicBoolean immediatePending = new AtomicBoolean();
        private ScheduledFuture<?> next;

        Driver(Pool pool) {
            this.pool = pool;
        }

        void install() {
            pool.onWakeup(this::wake);
        }

        void wake() {
            if (immediatePending.compareAndSet(false, true)) {
                try {
                    scheduler.execute(this::run);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    immediatePending.set(false); // manager closing
                }
            }
        }

        private void run() {
            immediatePending.set(false);
            long delay;
            try {
                delay = pool.tick(System.nanoTime());
            } catch (RuntimeException e) {
                log.error("[pool {}] maintenance tick failed", pool.name(), e);
                delay = TimeUnit.MILLISECONDS.toNanos(100);
            }
            if (next != null) {
                next.cancel(false);
            }
            if (pool.state() != Pool.State.STOPPED) {
                next = scheduler.schedule(this::run, delay, TimeUnit.NANOSECONDS);
            }
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
