package org.fcgate.gateway.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.fcgate.gateway.admin.AdminConfig;
import org.fcgate.gateway.admin.Observability;
import org.fcgate.gateway.admin.ReloadOutcome;
import org.fcgate.gateway.config.ShutdownOptions;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.config.yaml.InvalidConfigException;
import org.fcgate.gateway.config.yaml.LoadedConfig;
import org.fcgate.gateway.site.CurrentSite;
import org.fcgate.gateway.site.Site;
import org.fcgate.pool.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configuration reload of {@code fcgate run --config FILE}, on the {@link Reloader}'s thread. Steps:
 * <ol>
 *   <li>systemd hears {@code RELOADING=1}; the file is read. The same text as the configuration in force: nothing to
 *       do ({@code UNCHANGED}).</li>
 *   <li>It is validated as {@code fcgate check} does; any error: every one logged at ERROR, the reload rejected,
 *       nothing changed.</li>
 *   <li>What a reload cannot change ({@code listen}, {@code event_loops}, {@code admin}, {@code access_log},
 *       {@code slow_request_timeout}) is compared with what runs; a difference is a WARN line and a warning in the answer, and the rest is
 *       applied: the listening sockets are never closed.</li>
 *   <li>{@link UpstreamPlan}: pools whose settings changed start a new generation, added pools start, unchanged ones
 *       are kept ({@link LiveUpstreams}). The new children must become ready (within {@code spawn_timeout} plus
 *       5 s) before anything switches; otherwise they are stopped again and the reload is rejected.</li>
 *   <li>The new site (routes, upstreams, limits for new connections) replaces the old one atomically
 *       ({@link CurrentSite#replace}); {@code shutdown_*} apply from now on; metrics and the admin endpoints follow
 *       the new pool generations.</li>
 *   <li>When the old site's last request is done (at most {@code shutdown_timeout}; past it the old pools'
 *       requests are cut), the pool generations and backends only it used are stopped.</li>
 *   <li>systemd hears {@code READY=1} and a {@code STATUS=} line, after a rejection too.</li>
 * </ol>
 */
final class ConfigReload {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigReload.class);

    /** What {@code run} started from: the file, its text and what it loaded to, and the command line's admin flags. */
    record Source(Path file, String text, LoadedConfig loaded, AdminConfig adminFlags) {
    }

    private final Source started;
    private final ConfigLoader loader;
    private final CurrentSite sites;
    private final LiveUpstreams upstreams;
    private final Observability observability;
    private final SystemdNotifier notifier;
    private final Consumer<ShutdownOptions> applyShutdown;
    /** The listening socket's address as the start-up STATUS shows it ({@code /127.0.0.1:8080}). */
    private final String listening;
    private Executor afterDrain = Runnable::run;
    // The configuration in force; touched on the reload thread only.
    private String textInForce;
    private LoadedConfig inForce;
    private LiveUpstreams.SiteUpstreams wired;

    ConfigReload(Source started, ConfigLoader loader, CurrentSite sites, LiveUpstreams upstreams,
                 LiveUpstreams.SiteUpstreams wired, Observability observability, SystemdNotifier notifier,
                 Consumer<ShutdownOptions> applyShutdown, String listening) {
        this.started = started;
        this.loader = loader;
        this.sites = sites;
        this.upstreams = upstreams;
        this.observability = observability;
        this.notifier = notifier;
        this.applyShutdown = applyShutdown;
        this.listening = listening;
        this.textInForce = started.text();
        this.inForce = started.loaded();
        this.wired = wired;
    }

    /** Where releasing a drained generation runs (the reload thread, so it never races with a reload). */
    void releaseOn(Executor executor) {
        this.afterDrain = executor;
    }

    /** One reload for {@code causes}; see the class comment. */
    ReloadOutcome reload(String causes) {
        notifier.reloading("reloading configuration (" + causes + ")");
        LOG.info("{}: reloading configuration from {}", causes, started.file());
        ReloadOutcome outcome = apply();
        long generation = outcome.generation();
        String status = "serving " + wired.pools().size() + " pools on " + listening + ", configuration generation "
                + generation;
        notifier.ready(switch (outcome.result()) {
            case REJECTED -> status + " (reload rejected: " + outcome.errors().size() + " errors)";
            case UNCHANGED -> status + " (unchanged)";
            default -> status;
        });
        return outcome;
    }

    private ReloadOutcome apply() {
        long generation = sites.get().generation();
        Path file = started.file();
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            return rejected(generation, List.of(file + " cannot be read: " + e));
        }
        if (text.equals(textInForce)) {
            LOG.info("configuration unchanged: {} is the configuration in force (generation {})", file, generation);
            return new ReloadOutcome(ReloadOutcome.Result.UNCHANGED, generation, List.of(), List.of(), List.of());
        }
        LoadedConfig next;
        try {
            next = loader.parse(text, file.toAbsolutePath().getParent());
        } catch (InvalidConfigException e) {
            return rejected(generation, e.lines());
        }
        List<String> warnings = restartOnly(next);
        warnings.forEach(w -> LOG.warn("reload: {}", w));

        UpstreamPlan plan = UpstreamPlan.of(inForce.gateway(), next.gateway());
        LiveUpstreams.SiteUpstreams built;
        try {
            built = upstreams.build(next.gateway(), plan, wired);
        } catch (RuntimeException e) {
            return rejected(generation, List.of("cannot start the new pools: " + e.getMessage()));
        }
        Optional<String> notReady = NewGenerations.awaitReady(newPools(built, plan));
        if (notReady.isPresent()) {
            upstreams.discard(built, Duration.ZERO);
            return rejected(generation, List.of(notReady.get()));
        }

        upstreams.retain(built);
        Site site = new Site(generation + 1, next.gateway(), built.upstreams());
        Site old = sites.replace(site);
        LiveUpstreams.SiteUpstreams oldWired = wired;
        wired = built;
        inForce = next;
        textInForce = text;
        applyShutdown.accept(next.shutdown());
        observability.pools(built.pools());
        observability.upstreamServers(built.externalServers());

        List<String> changes = new ArrayList<>(plan.describe());
        int routes = next.gateway().routes().size();
        changes.add("site: " + routes + " route" + (routes == 1 ? "" : "s") + "; server settings and client limits "
                + "apply to new connections");
        LOG.info("reload applied: configuration generation {} in force; {}", site.generation(),
                String.join("; ", changes));
        releaseWhenDrained(old, oldWired, next.shutdown().timeout());
        return new ReloadOutcome(ReloadOutcome.Result.APPLIED, site.generation(), changes, warnings, List.of());
    }

    private ReloadOutcome rejected(long generation, List<String> errors) {
        return rejected(started.file(), generation, errors);
    }

    /** Every error logged at ERROR, then the generation still in force; shared with {@link PoolServerReload}. */
    static ReloadOutcome rejected(Path file, long generation, List<String> errors) {
        for (String e : errors) {
            LOG.error("reload rejected: {}: {}", file, e);
        }
        LOG.error("reload rejected: {} error{}; still serving configuration generation {}", errors.size(),
                errors.size() == 1 ? "" : "s", generation);
        return new ReloadOutcome(ReloadOutcome.Result.REJECTED, generation, List.of(), List.of(), errors);
    }

    /** The settings bound at start-up that differ in {@code next}: each needs a restart. */
    private List<String> restartOnly(LoadedConfig next) {
        List<String> out = new ArrayList<>();
        LoadedConfig running = started.loaded();
        if (!next.gateway().listen().equals(running.gateway().listen())) {
            out.add("listen (" + address(next) + ") needs a restart; still listening on "
                    + listening.replaceFirst("^[^/]*/", "")); // "/127.0.0.1:8080" → "127.0.0.1:8080"
        }
        if (next.gateway().eventLoops() != running.gateway().eventLoops()) {
            out.add("event_loops needs a restart; the listener keeps its event loops");
        }
        AdminConfig adminNow = running.admin().overriddenBy(started.adminFlags());
        if (!next.admin().overriddenBy(started.adminFlags()).equals(adminNow)) {
            out.add("admin needs a restart; the admin listener keeps its address and token");
        }
        if (!next.accessLog().equals(running.accessLog())) {
            out.add("access_log and slow_request_timeout need a restart; the logs keep their settings");
        }
        return out;
    }

    private static String address(LoadedConfig c) {
        return c.gateway().listen().host() + ":" + c.gateway().listen().port();
    }

    /** The pools the plan started (new generations, added pools): they must be ready before the switch. */
    private static List<Pool> newPools(LiveUpstreams.SiteUpstreams built, UpstreamPlan plan) {
        List<Pool> out = new ArrayList<>();
        built.byName().forEach((name, entry) -> {
            var action = plan.actionFor(name);
            if (entry.config() instanceof UpstreamConfig.ManagedPool && action.isPresent()
                    && (action.get() == UpstreamPlan.Action.NEW_GENERATION
                    || action.get() == UpstreamPlan.Action.ADD)) {
                entry.pool().ifPresent(out::add);
            }
        });
        return out;
    }

    /** Once {@code old} has drained (or {@code timeout} passed), stops what only it used. */
    private void releaseWhenDrained(Site old, LiveUpstreams.SiteUpstreams oldWired, Duration timeout) {
        old.drained().thenApply(v -> Boolean.TRUE)
                .completeOnTimeout(Boolean.FALSE, timeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenAcceptAsync(inTime -> {
                    if (!inTime) {
                        LOG.warn("configuration generation {}: {} requests still running after shutdown_timeout "
                                + "{} ms; the pools only it used stop now", old.generation(), old.active(),
                                timeout.toMillis());
                    }
                    List<Pool> stopped = upstreams.release(oldWired, inTime ? timeout : Duration.ZERO);
                    LOG.info("configuration generation {} drained; {} pool generation{} retired", old.generation(),
                            stopped.size(), stopped.size() == 1 ? "" : "s");
                }, afterDrain);
    }
}
