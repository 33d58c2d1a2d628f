package org.fcgate.pool;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.spawn.ChildLauncher;
import org.fcgate.pool.spawn.LaunchListener;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.fcgate.pool.supervise.CrashLoopGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spawning (php-fpm {@code fpm_children_make}): turns what {@link Sizing} and the queue ask for into spawns,
 * spaced by {@code spawn_rate} and held back by the {@link CrashLoopGuard}; and the rolling restart, which
 * bumps the generation and stops one old idle child at a time while no replacement is starting (busy old
 * children go after their request, see {@link RecyclePolicy}). Guarded by the pool's lock.
 */
final class Spawning {
    private static final Logger log = LoggerFactory.getLogger(Spawning.class);

    private final PoolConfig config;
    private final ChildLauncher launcher;
    private final LaunchListener events;
    private final Scoreboard board;
    private final Dispatch dispatch;
    private final Sizing sizing;
    private final RecyclePolicy recycle;
    private final CrashLoopGuard crashGuard;
    private final ChildControl control;
    private long nextSpawnAt;
    private int generation;
    private CompletableFuture<Void> restart;

    Spawning(PoolConfig config, ChildLauncher launcher, LaunchListener events, Scoreboard board, Dispatch dispatch,
             Sizing sizing, RecyclePolicy recycle, CrashLoopGuard crashGuard, ChildControl control, long now) {
        this.config = config;
        this.launcher = launcher;
        this.events = events;
        this.board = board;
        this.dispatch = dispatch;
        this.sizing = sizing;
        this.recycle = recycle;
        this.crashGuard = crashGuard;
        this.control = control;
        this.nextSpawnAt = now;
    }

    /** The initial children, all at once (spawn pacing does not apply). Returns how many. */
    int spawnInitial(long now, List<Runnable> after) {
        int initial = sizing.initialChildren();
        for (int i = 0; i < initial; i++) {
            spawn(now, after);
        }
        return initial;
    }

    /** Spawns what is wanted now and advances a rolling restart; returns when it wants to run again. */
    long plan(long now, List<Runnable> after) {
        int live = board.live();
        int want = sizing.toSpawn(live, dispatch.idleCount(), board.count(ChildState.STARTING), dispatch.waiting());
        long next = Long.MAX_VALUE;
        for (int i = 0; i < want; i++) {
            if (!crashGuard.maySpawn(now)) {
                next = crashGuard.blockedUntil();
                break;
            }
            if (nextSpawnAt - now > 0) {
                next = nextSpawnAt;
                break;
            }
            spawn(now, after);
        }
        advanceRestart(now, after);
        return next;
    }

    /** Children of older generations are replaced; {@code done} completes when none is left. */
    void restart(CompletableFuture<Void> done, long now, List<Runnable> after) {
        generation++;
        if (restart != null) {
            CompletableFuture<Void> superseded = restart;
            after.add(() -> superseded.complete(null));
        }
        restart = done;
        log.info("[pool {}] rolling restart of {} children", config.name(), board.live());
        plan(now, after);
    }

    /** Drain: a restart in progress is over (the drain replaces every child anyway). */
    void abandonRestart(List<Runnable> after) {
        if (restart != null) {
            CompletableFuture<Void> r = restart;
            restart = null;
            after.add(() -> r.complete(null));
        }
    }

    /** Whether a rolling restart is under way (it advances on every plan). */
    boolean restarting() {
        return restart != null;
    }

    int generation() {
        return generation;
    }

    private void spawn(long now, List<Runnable> after) {
        long id = board.add(generation, now, recycle.requestBudget()).id;
        nextSpawnAt = now + 1_000_000_000L / config.spawnRatePerSecond();
        after.add(() -> launcher.launch(id, events));
    }

    private void advanceRestart(long now, List<Runnable> after) {
        if (restart == null) {
            return;
        }
        if (!board.anyLiveBefore(generation)) {
            CompletableFuture<Void> done = restart;
            restart = null;
            log.info("[pool {}] rolling restart complete", config.name());
            after.add(() -> done.complete(null));
            return;
        }
        if (board.count(ChildState.STARTING) > 0) {
            return;
        }
        // Oldest-used first, so the children most likely to be leased next are replaced last.
        for (ChildSlot s : dispatch.idleOldestFirst()) {
            if (s.generation < generation) {
                control.stop(s, ExitReason.RESTART, now, after);
                return;
            }
        }
    }
}
