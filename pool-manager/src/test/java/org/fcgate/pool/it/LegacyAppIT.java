package org.fcgate.pool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.fcgate.pool.Lease;
import org.fcgate.pool.Pool;
import org.fcgate.pool.Revocation;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.junit.jupiter.api.Test;

/**
 * The pool with the protocol module's sample legacy app (a Java child, fd 0 convention) as its command, as
 * issue 3 asks: served leases, crash, timeout, RSS limits, clean exit, planned recycling. Java children take
 * ~0.5 s to start, so pools are small and spawn timeouts generous.
 */
class LegacyAppIT extends ManagerFixture {

    /**
     * {@code java -cp fcgi-protocol/target/classes org.fcgate.fcgi.sample.LegacyApp}: the classes are found from
     * this module's directory (Maven runs the tests there), not from the test class path, so the child runs the
     * way a process manager starts it. Serial GC and C1 keep its start and footprint small.
     */
    static List<String> legacyApp() {
        Path classes = Path.of("..", "fcgi-protocol", "target", "classes").toAbsolutePath().normalize();
        assertThat(classes.resolve("org/fcgate/fcgi/sample/LegacyApp.class"))
                .as("build fcgi-protocol in the same reactor (mvn -pl fcgi-protocol,pool-manager verify)")
                .exists();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx768m", "-cp", classes.toString(),
                "org.fcgate.fcgi.sample.LegacyApp");
    }

    static PoolConfig.Builder legacyPool(String name) {
        return PoolConfig.builder(name, legacyApp()).pm(PmMode.STATIC).maxChildren(1)
                .spawnTimeout(Duration.ofSeconds(30)).queueTimeout(Duration.ofSeconds(30));
    }

    @Test
    void leasesAreServedByTheSampleAppOnItsInheritedSocket() throws Exception {
        Pool pool = manager.addPool(legacyPool("la").maxChildren(2).build());
        awaitIdle(pool, 2);
        for (int i = 1; i <= 3; i++) {
            Lease l = lease(pool, "/la/" + i);
            String body = Procs.body(l, "");
            l.release();
            assertThat(body).contains("REQUEST_URI=/la/" + i + "\n").contains("pid=" + l.pid() + "\n");
        }
        assertThat(pool.snapshot().counters().leases()).isEqualTo(3);
        assertThat(pool.snapshot().counters().exits()).isEmpty();
    }

    @Test
    void crashAfterHeadersRevokesTheLeaseAsChildFailedAndTheChildIsReplaced() throws Exception {
        Pool pool = manager.addPool(legacyPool("la-crash").build());
        Lease l = lease(pool, "/crash");
        assertThatThrownBy(() -> Procs.request(l, "crash=after")).isInstanceOf(IOException.class);
        assertThat(l.revoked().get()).isEqualTo(Revocation.CHILD_FAILED);
        l.release();
        Lease next = lease(pool, "/next");
        assertThat(next.pid()).isNotEqualTo(l.pid());
        assertThat(Procs.body(next, "")).contains("pid=" + next.pid());
        next.release();
        assertThat(pool.snapshot().counters().exits(ExitReason.CRASH)).isEqualTo(1);
    }

    @Test
    void R52_sleepPastTheRequestTimeoutIsTimedOutKilledAndReplaced() throws Exception {
        // The app finishes its request on SIGTERM, so only the SIGKILL after kill_grace ends the sleep.
        Pool pool = manager.addPool(legacyPool("la-slow").requestTimeout(Duration.ofSeconds(1))
                .killGrace(Duration.ofMillis(500)).build());
        Lease hung = lease(pool, "/slow");
        assertThatThrownBy(() -> Procs.body(hung, "sleep=600000")).isInstanceOf(IOException.class);
        assertThat(hung.revoked()).isCompletedWithValue(Revocation.TIMED_OUT);
        hung.release();
        await().until(() -> !Procs.alive(hung.pid()));
        Lease next = lease(pool, "/after");
        assertThat(next.pid()).isNotEqualTo(hung.pid());
        assertThat(Procs.body(next, "")).contains("pid=" + next.pid());
        next.release();
        assertThat(pool.snapshot().counters().exits(ExitReason.TIMEOUT)).isEqualTo(1);
    }

    @Test
    void R55_leakingChildIsRecycledAfterTheRequestThatPassesRssLimit() throws Exception {
        Pool pool = manager.addPool(legacyPool("la-leak").rssLimitKb(150 * 1024).build());
        List<Long> servedBy = new ArrayList<>();
        boolean recycled = false;
        for (int i = 0; i < 6 && !recycled; i++) {
            Lease l = lease(pool, "/leak");
            assertThat(Procs.body(l, "leak=40")).as("complete response").contains("pid=" + l.pid() + "\n");
            l.release();
            servedBy.add(l.pid());
            recycled = stoppedOrGone(pool, l.pid()); // the release decides, synchronously
        }
        await().until(() -> pool.snapshot().counters().exits(ExitReason.RSS) == 1);
        long leaky = servedBy.get(servedBy.size() - 1);
        assertThat(servedBy).as("one child until it passed the limit").containsOnly(leaky).hasSizeGreaterThan(1);
        await().until(() -> !Procs.alive(leaky));
        Lease next = lease(pool, "/fresh");
        assertThat(next.pid()).isNotEqualTo(leaky);
        next.release();
    }

    @Test
    void R55_childPassingTheHardRssLimitMidRequestIsKilledAndTheLeaseRevokedAsChildFailed() throws Exception {
        Pool pool = manager.addPool(legacyPool("la-hard").rssLimitKb(150 * 1024).rssHardLimitKb(250 * 1024)
                .build());
        Lease l = lease(pool, "/balloon");
        // 300 MiB at once, then a long sleep: only the hard limit can end this request
        assertThatThrownBy(() -> Procs.body(l, "leak=300&sleep=600000")).isInstanceOf(IOException.class);
        assertThat(l.revoked()).isCompletedWithValue(Revocation.CHILD_FAILED);
        l.release();
        await().until(() -> !Procs.alive(l.pid()));
        await().until(() -> pool.snapshot().counters().exits(ExitReason.RSS) == 1);
        assertThat(pool.snapshot().counters().exits(ExitReason.CRASH)).isZero();
        Lease next = lease(pool, "/next");
        assertThat(next.pid()).isNotEqualTo(l.pid());
        assertThat(Procs.body(next, "")).contains("pid=" + next.pid());
        next.release();
    }

    @Test
    void cleanExitZeroAfterTheResponseIsCountedAsExited() throws Exception {
        Pool pool = manager.addPool(legacyPool("la-exit").build());
        Lease l = lease(pool, "/bye");
        assertThat(Procs.body(l, "exit=0")).contains("pid=" + l.pid() + "\n");
        l.release();
        await().until(() -> pool.snapshot().counters().exits(ExitReason.EXITED) == 1);
        assertThat(pool.snapshot().counters().exits(ExitReason.CRASH)).isZero();
        Lease next = lease(pool, "/again");
        assertThat(next.pid()).isNotEqualTo(l.pid());
        next.release();
    }

    @Test
    void R54_maxRequestsRecyclesWithDistinctPidsAndCompleteResponses() throws Exception {
        Pool pool = manager.addPool(legacyPool("la-r54").maxRequests(2).build());
        Set<Long> pids = new LinkedHashSet<>();
        for (int i = 0; i < 5; i++) { // 2 + 2 + 1
            Lease l = lease(pool, "/r" + i);
            String body = Procs.body(l, "size=1000");
            l.release();
            assertThat(body).as("complete response").hasSize(1000);
            pids.add(l.pid());
        }
        assertThat(pids).hasSize(3);
        assertThat(pool.snapshot().counters().exits(ExitReason.MAX_REQUESTS)).isEqualTo(2);
        long current = pool.snapshot().children().get(0).pid();
        await().until(() -> pids.stream().filter(p -> p != current).noneMatch(Procs::alive));
    }

    static boolean stoppedOrGone(Pool pool, long pid) {
        return pool.snapshot().children().stream().noneMatch(c -> c.pid() == pid && c.state() != ChildState.STOPPING);
    }
}
