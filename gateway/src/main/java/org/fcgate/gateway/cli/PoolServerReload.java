package org.fcgate.gateway.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.fcgate.gateway.admin.AdminConfig;
import org.fcgate.gateway.admin.ReloadOutcome;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.config.yaml.InvalidConfigException;
import org.fcgate.gateway.config.yaml.LoadedPools;
import org.fcgate.gateway.poolserver.ExposedPool;
import org.fcgate.gateway.poolserver.PoolUpdate;
import org.fcgate.gateway.poolserver.RunningPoolServer;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configuration reload of {@code fcgate pool --config FILE}, on the {@link Reloader}'s thread: what
 * {@link ConfigReload} does for {@code fcgate run}, for pools exposed on their own addresses. Steps:
 * <ol>
 *   <li>The file is read; the same text as the configuration in force: nothing to do ({@code UNCHANGED}). It is
 *       validated as at start ({@code routes} optional, at least one pool with {@code listen}); any error: every one
 *       logged at ERROR, the reload rejected, nothing changed.</li>
 *   <li>{@code admin} cannot change without a restart: a WARN and a warning in the answer; the rest is applied.</li>
 *   <li>{@link UpstreamPlan} over the pools with {@code listen}: a pool whose settings changed starts a new generation
 *       beside the old one, an added pool starts, an unchanged one keeps its children ({@code connect_timeout} alone:
 *       children kept, new requests connect with the new value). The new children must be ready
 *       ({@link NewGenerations}) or the reload is rejected and they are stopped.</li>
 *   <li>{@link RunningPoolServer#apply}: new addresses are bound first (one that cannot be: rejected, nothing
 *       changed), then new requests go to the new generations, changed addresses swap, added pools listen, removed
 *       pools stop listening and close their connections once idle. Metrics and {@code /status} follow.</li>
 *   <li>Each replaced generation and removed pool finishes the requests that had started on it (at most
 *       {@code shutdown_timeout} of the new file; past it they are cut, with a WARN), then it is retired: its
 *       children are stopped and reaped.</li>
 * </ol>
 */
final class PoolServerReload {

    private static final Logger LOG = LoggerFactory.getLogger(PoolServerReload.class);

    /** What {@code pool} started from: the file, its text and what it loaded to, and the command line's admin flags. */
    record Source(Path file, String text, LoadedPools loaded, AdminConfig adminFlags) {
    }

    private final Source started;
    private final ConfigLoader loader;
    private final RunningPoolServer server;
    private Executor afterDrain = Runnable::run;
    // The configuration in force; touched on the reload thread only.
    private String textInForce;
    private LoadedPools inForce;
    private long generation = 1;

    PoolServerReload(Source started, ConfigLoader loader, RunningPoolServer server) {
        this.started = started;
        this.loader = loader;
        this.server = server;
        this.textInForce = started.text();
        this.inForce = started.loaded();
    }

    /** Where retiring a drained generation runs (the reload thread, so it never races with a reload). */
    void releaseOn(Executor executor) {
        this.afterDrain = executor;
    }

    /** One reload for {@code causes}; see the class comment. */
    ReloadOutcome reload(String causes) {
        LOG.info("{}: reloading configuration from {}", causes, started.file());
        return apply();
    }

    private ReloadOutcome apply() {
        Path file = started.file();
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            return ConfigReload.rejected(file, generation, List.of(file + " cannot be read: " + e));
        }
        if (text.equals(textInForce)) {
            LOG.info("configuration unchanged: {} is the configuration in force (generation {})", file, generation);
            return new ReloadOutcome(ReloadOutcome.Result.UNCHANGED, generation, List.of(), List.of(), List.of());
        }
        LoadedPools next;
        try {
            next = loader.parsePools(text, file.toAbsolutePath().getParent());
        } catch (InvalidConfigException e) {
            return ConfigReload.rejected(file, generation, e.lines());
        }
        if (next.listening().isEmpty()) {
            return ConfigReload.rejected(file, generation, List.of("pools: no pool has a listen address "
                    + "(pools.NAME.listen: unix:/path or HOST:PORT); fcgate pool runs only those"));
        }
        List<String> warnings = new ArrayList<>();
        if (!next.admin().overriddenBy(started.adminFlags())
                .equals(started.loaded().admin().overriddenBy(started.adminFlags()))) {
            warnings.add("admin needs a restart; the admin listener keeps its address and token");
        }
        warnings.forEach(w -> LOG.warn("reload: {}", w));

        UpstreamPlan plan = UpstreamPlan.of(inForce.listening(), Optional.empty(), next.listening(), Optional.empty());
        PoolManager manager = server.manager();
        List<Pool> fresh = new ArrayList<>();
        List<PoolUpdate> updates = new ArrayList<>();
        List<String> changes = new ArrayList<>();
        try {
            for (UpstreamPlan.Change c : plan.changes()) {
                if (c.action() == UpstreamPlan.Action.REMOVE) {
                    updates.add(new PoolUpdate.Remove(c.name()));
                    changes.add("pool " + c);
                }
            }
            for (UpstreamConfig.ManagedPool p : next.listening()) {
                UpstreamPlan.Action action = plan.actionFor(p.name()).orElseThrow();
                Optional<UpstreamConfig.ManagedPool> before = inForce.listening().stream()
                        .filter(o -> o.name().equals(p.name())).findFirst();
                Pool pool;
                if (action == UpstreamPlan.Action.ADD || action == UpstreamPlan.Action.NEW_GENERATION) {
                    pool = manager.addGeneration(p.pool());
                    fresh.add(pool);
                } else {
                    pool = manager.pool(p.name());
                }
                ExposedPool exposed = new ExposedPool(pool, p.listen().orElseThrow(), p.connectTimeout());
                updates.add(switch (action) {
                    case ADD -> new PoolUpdate.Add(exposed);
                    case NEW_GENERATION -> new PoolUpdate.Replace(exposed);
                    default -> new PoolUpdate.Keep(exposed);
                });
                if (action != UpstreamPlan.Action.KEEP) {
                    changes.add("pool " + plan.changes().stream().filter(c -> c.name().equals(p.name())
                            && c.action() == action).findFirst().orElseThrow());
                }
                if (before.isPresent() && !before.get().listen().equals(p.listen())) {
                    changes.add("pool " + p.name() + ": listen " + before.get().listen().orElseThrow() + " -> "
                            + p.listen().orElseThrow() + " (the new address listens before the old one closes)");
                }
            }
        } catch (RuntimeException e) {
            discard(fresh);
            return ConfigReload.rejected(file, generation, List.of("cannot start the new pools: " + e.getMessage()));
        }
        Optional<String> notReady = NewGenerations.awaitReady(fresh);
        if (notReady.isPresent()) {
            discard(fresh);
            return ConfigReload.rejected(file, generation, List.of(notReady.get()));
        }
        Map<Pool, CompletableFuture<Void>> released;
        try {
            released = server.apply(updates);
        } catch (IOException | RuntimeException e) {
            discard(fresh);
            return ConfigReload.rejected(file, generation, List.of(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            discard(fresh);
            return ConfigReload.rejected(file, generation, List.of("the pool server is stopping"));
        }
        generation++;
        inForce = next;
        textInForce = text;
        if (changes.isEmpty()) {
            changes.add("pools: no change to the pools with a listen address");
        }
        LOG.info("reload applied: configuration generation {} in force; {}", generation, String.join("; ", changes));
        Duration timeout = next.shutdown().timeout();
        released.forEach((pool, done) -> retireWhenDone(pool, done, timeout));
        return new ReloadOutcome(ReloadOutcome.Result.APPLIED, generation, changes, warnings, List.of());
    }

    /** The pools this reload started, stopped again: it was rejected before they took any request. */
    private void discard(List<Pool> pools) {
        for (Pool p : pools) {
            server.manager().retire(p, Duration.ZERO);
        }
    }

    /** Once the last request on {@code pool} is over (or {@code timeout} passed), retires it. */
    private void retireWhenDone(Pool pool, CompletableFuture<Void> done, Duration timeout) {
        done.thenApply(v -> Boolean.TRUE)
                .completeOnTimeout(Boolean.FALSE, timeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenAcceptAsync(inTime -> {
                    if (!inTime) {
                        LOG.warn("[pool {}] requests still running on the replaced or removed pool after "
                                + "shutdown_timeout {} ms; they are cut now", pool.name(), timeout.toMillis());
                    }
                    LOG.info("[pool {}] generation no longer used: retired", pool.name());
                    server.manager().retire(pool, inTime ? timeout : Duration.ZERO);
                }, afterDrain);
    }
}
