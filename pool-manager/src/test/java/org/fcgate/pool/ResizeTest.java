package org.fcgate.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.fcgate.pool.config.ConfigException;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.junit.jupiter.api.Test;

/** {@link Pool#resize}: max_children changed live, per sizing mode, never stopping a child during a request. */
class ResizeTest extends PoolTestSupport {

    @Test
    void staticGrowsToTheNewMaximumAtOnce() {
        start(config().pm(PmMode.STATIC).maxChildren(2));
        assertThat(pool.resize(4).maxChildren()).isEqualTo(4);
        for (int i = 0; i < 2; i++) {
            clock.advance(Duration.ofMillis(1)); // spawn pacing
            tick();
        }
        assertThat(count(ChildState.IDLE)).isEqualTo(4);
        assertThat(pool.config().maxChildren()).isEqualTo(4);
    }

    @Test
    void staticShrinksIdleAtOnceAndBusyOnlyAfterTheirRequest() {
        start(config().pm(PmMode.STATIC).maxChildren(4));
        Lease a = lease();
        Lease b = lease();
        pool.resize(1);
        assertThat(count(ChildState.IDLE)).as("both idle children stopped").isZero();
        assertThat(count(ChildState.BUSY)).as("busy children keep serving").isEqualTo(2);
        a.release();
        assertThat(count(ChildState.BUSY)).isEqualTo(1);
        assertThat(count(ChildState.IDLE)).as("still one above max_children: stopped after its request").isZero();
        b.release();
        assertThat(count(ChildState.IDLE)).isEqualTo(1);
        assertThat(pool.snapshot().children()).as("the stopped children exited (fake: at SIGTERM)").hasSize(1);
        assertThat(pool.snapshot().counters().exits(ExitReason.IDLE)).isEqualTo(3);
        clock.advance(Duration.ofSeconds(1));
        tick();
        assertThat(pool.snapshot().children()).as("static refills only up to the new maximum").hasSize(1);
    }

    @Test
    void ondemandWaitersUseTheNewMaximum() {
        start(config().pm(PmMode.ONDEMAND).maxChildren(1));
        Lease held = lease();
        CompletableFuture<AcquireResult> waiting = pool.acquire("/w");
        tick();
        assertThat(waiting).as("max_children 1 reached").isNotDone();
        pool.resize(2);
        clock.advance(Duration.ofMillis(1)); // spawn pacing
        tick();
        assertThat(granted(waiting)).isNotNull();
        held.release();
    }

    @Test
    void dynamicRefusesAMaximumBelowMaxSpareServersAndKeepsTheOldOne() {
        start(config().pm(PmMode.DYNAMIC).maxChildren(6).startServers(2).minSpareServers(1).maxSpareServers(3));
        assertThatThrownBy(() -> pool.resize(2)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("max_spare_servers (3) cannot exceed max_children (2)");
        assertThatThrownBy(() -> pool.resize(0)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("max_children (0) must be at least 1");
        assertThat(pool.config().maxChildren()).isEqualTo(6);
        assertThat(pool.resize(3).maxChildren()).isEqualTo(3);
    }

    @Test
    void aStartingChildAboveTheNewMaximumIsStoppedOnceReady() {
        launcher.autoReady = false;
        start(config().pm(PmMode.STATIC).maxChildren(3));
        assertThat(count(ChildState.STARTING)).isEqualTo(3);
        pool.resize(1);
        List<Long> ids = new ArrayList<>(launcher.launched.keySet());
        ids.forEach(launcher::ready);
        assertThat(count(ChildState.IDLE)).isEqualTo(1);
        assertThat(pool.snapshot().children()).hasSize(1);
        assertThat(pool.snapshot().counters().exits(ExitReason.IDLE)).isEqualTo(2);
    }

    @Test
    void refusedOnceDraining() {
        start(config().pm(PmMode.STATIC).maxChildren(2));
        pool.drain();
        assertThatThrownBy(() -> pool.resize(3)).isInstanceOf(IllegalStateException.class);
    }
}
