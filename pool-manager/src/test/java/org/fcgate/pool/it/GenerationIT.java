package org.fcgate.pool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.fcgate.pool.Lease;
import org.fcgate.pool.Pool;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.status.ChildSnapshot;
import org.junit.jupiter.api.Test;

/**
 * {@link org.fcgate.pool.PoolManager#addGeneration} and {@link org.fcgate.pool.PoolManager#retire} with real children:
 * two generations of one name run side by side with sockets of their own; a lease of the old one finishes after the
 * new one is current; retiring the old one reaps its children only; retiring the newest makes the old one current
 * again (a reload rolled back).
 */
class GenerationIT extends ManagerFixture {

    private static PoolConfig config(int children) {
        return PoolConfig.builder("gen", python()).pm(PmMode.STATIC).maxChildren(children).build();
    }

    @Test
    void aNewGenerationRunsBesideTheOldOneUntilTheOldOneIsRetired() throws Exception {
        Pool first = manager.addPool(config(2));
        awaitIdle(first, 2);
        assertThatThrownBy(() -> manager.addPool(config(3))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duplicate pool name: gen");
        Lease inFlight = lease(first, "/old");

        Pool second = manager.addGeneration(config(3));
        awaitIdle(second, 3);
        assertThat(manager.pool("gen")).isSameAs(second);
        assertThat(manager.pools()).containsExactly(second);
        assertThat(manager.allGenerations()).containsExactly(first, second);
        assertThat(socketDirectory(second)).as("the new generation's own socket directory")
                .isEqualTo(manager.runtimeDirectory().resolve("gen~2"));
        assertThat(Path.of(((UnixDomainSocketAddress) inFlight.address()).getPath().toString()).getParent())
                .isEqualTo(manager.runtimeDirectory().resolve("gen"));

        CompletableFuture<Void> retired = manager.retire(first, Duration.ofSeconds(30));
        assertThat(Procs.body(inFlight, "")).as("the old generation's lease still works")
                .startsWith("pid=" + inFlight.pid());
        inFlight.release();
        retired.get();
        await().until(() -> !Procs.alive(inFlight.pid()));
        assertThat(manager.allGenerations()).containsExactly(second);
        assertThat(pids(second)).hasSize(3).allMatch(Procs::alive);
        Lease fresh = lease(manager.pool("gen"), "/new");
        assertThat(Procs.body(fresh, "")).startsWith("pid=" + fresh.pid());
        fresh.release();
    }

    @Test
    void retiringTheNewestGenerationMakesThePreviousOneCurrentAgain() {
        Pool first = manager.addPool(config(1));
        Pool second = manager.addGeneration(config(1));
        manager.retire(second, Duration.ZERO).join();
        assertThat(manager.pool("gen")).isSameAs(first);
        assertThat(manager.pools()).containsExactly(first);
        assertThat(first.state()).isEqualTo(Pool.State.RUNNING);

        manager.retire(first, Duration.ZERO).join();
        assertThat(manager.pool("gen")).isNull();
        assertThat(manager.pools()).isEmpty();
        assertThat(manager.allGenerations()).isEmpty();
    }

    private static Set<Long> pids(Pool pool) {
        return pool.snapshot().children().stream().map(ChildSnapshot::pid).collect(Collectors.toSet());
    }

    private static Path socketDirectory(Pool pool) {
        Lease l = lease(pool, "/where");
        try {
            return Path.of(((UnixDomainSocketAddress) l.address()).getPath().toString()).getParent();
        } finally {
            l.release();
        }
    }
}
