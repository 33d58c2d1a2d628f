package org.fcgate.pool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.fcgate.pool.AcquireResult;
import org.fcgate.pool.Lease;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;
import org.fcgate.pool.status.ChildState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh manager per test; after it, every child must be gone and reaped (leak check). */
public abstract class ManagerFixture {
    record OutputLine(String pool, long pid, String line) {
    }

    @TempDir
    Path tmp;
    PoolManager manager;
    final List<OutputLine> output = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startManager() {
        manager = PoolManager.create(tmp.resolve("rt"), (pool, pid, line) -> output.add(new OutputLine(pool, pid, line)));
    }

    @AfterEach
    void closeManagerAndCheckLeaks() {
        manager.close(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(Procs.zombieChildren()).as("zombies").isZero();
            assertThat(Procs.liveChildren()).as("children left running").isZero();
        });
        assertThat(tmp.resolve("rt")).doesNotExist();
    }

    public static List<String> python(String... extra) {
        var cmd = new java.util.ArrayList<>(List.of(Procs.PYTHON, Procs.childScript()));
        cmd.addAll(List.of(extra));
        return cmd;
    }

    static Lease lease(Pool pool, String uri) {
        AcquireResult r = pool.acquire(uri).join();
        assertThat(r).isInstanceOf(AcquireResult.Granted.class);
        return ((AcquireResult.Granted) r).lease();
    }

    static void awaitIdle(Pool pool, int n) {
        await().atMost(Duration.ofSeconds(20)).until(() -> pool.snapshot().count(ChildState.IDLE) == n
                && pool.snapshot().children().size() == n);
    }
}
