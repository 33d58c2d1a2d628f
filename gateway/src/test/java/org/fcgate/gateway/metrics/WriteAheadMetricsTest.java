package org.fcgate.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executor;
import org.fcgate.pool.AcquireResult;
import org.fcgate.pool.ChildConnection;
import org.fcgate.pool.Lease;
import org.fcgate.pool.Pool;
import org.fcgate.pool.WriteAhead;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.spawn.ChildLauncher;
import org.fcgate.pool.spawn.LaunchListener;
import org.fcgate.pool.status.RequestInfo;
import org.fcgate.pool.supervise.Signal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code fcgate_pool_write_ahead_total} counts leases granted ahead; {@code fcgate_pool_leases_total} counts such a
 * lease once, at its promotion, and never one revoked before it.
 */
class WriteAheadMetricsTest {

    private static final Executor LOOP = Runnable::run;
    private final GatewayMetrics metrics = new GatewayMetrics();

    @AfterEach
    void close() {
        metrics.close();
    }

    /** A launcher whose one child is ready at once and never exits. */
    private static final class Ready implements ChildLauncher {
        @Override
        public void launch(long childId, LaunchListener listener) {
            listener.started(childId, 4242, new java.net.InetSocketAddress("127.0.0.1", 1));
            listener.ready(childId);
        }

        @Override
        public void signal(long childId, Signal signal) {
        }

        @Override
        public long rssKb(long childId) {
            return 0;
        }

        @Override
        public void close() {
        }
    }

    private record Conn() implements ChildConnection {
        @Override
        public void close() {
        }

        @Override
        public Executor home() {
            return LOOP;
        }
    }

    private double value(String series) {
        return metrics.scrape(null).lines().filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
    }

    private static Lease granted(Pool pool, WriteAhead ahead) {
        return ((AcquireResult.Granted) pool.acquire(RequestInfo.ofUri("/"), LOOP, ahead).join()).lease();
    }

    @Test
    void aheadGrantsAreCountedAndLeasesOnlyOnce() {
        Pool pool = new Pool(PoolConfig.builder("wa", List.of("/bin/true")).pm(PmMode.STATIC).maxChildren(1)
                .writeAhead(Duration.ofSeconds(60)).build(), new Ready(), System::nanoTime, new Random(1));
        pool.start();
        metrics.addPool(pool);
        Conn conn = new Conn();
        Lease first = granted(pool, WriteAhead.NOT_ALLOWED);
        first.connectionInUse(conn);
        Lease second = granted(pool, WriteAhead.ALLOWED);
        assertThat(second.isAhead()).isTrue();
        first.release(conn);
        second.connectionInUse(conn);
        Lease third = granted(pool, WriteAhead.ALLOWED);
        second.releaseBroken(); // the third never starts
        assertThat(third.revoked()).isCompleted();
        assertThat(value("fcgate_pool_write_ahead_total{pool=\"wa\"}")).isEqualTo(2.0);
        assertThat(value("fcgate_pool_leases_total{pool=\"wa\"}")).isEqualTo(2.0);
        pool.shutdown(Duration.ZERO);
    }

    /**
     * A request written ahead waits for a child: in {@code fcgate_pool_queue_length} (php-fpm's listen queue) and in
     * {@code fcgate_pool_queue_written_ahead} until its promotion, and in the peak.
     */
    @Test
    void aRequestWrittenAheadCountsInTheQueueGaugesUntilItsPromotion() {
        Pool pool = new Pool(PoolConfig.builder("wa", List.of("/bin/true")).pm(PmMode.STATIC).maxChildren(1)
                .writeAhead(Duration.ofSeconds(60)).build(), new Ready(), System::nanoTime, new Random(1));
        pool.start();
        metrics.addPool(pool);
        Conn conn = new Conn();
        Lease first = granted(pool, WriteAhead.NOT_ALLOWED);
        first.connectionInUse(conn);
        Lease second = granted(pool, WriteAhead.ALLOWED);
        assertThat(value("fcgate_pool_queue_length{pool=\"wa\"}")).isEqualTo(1.0);
        assertThat(value("fcgate_pool_queue_written_ahead{pool=\"wa\"}")).isEqualTo(1.0);
        assertThat(value("fcgate_pool_queue_length_peak{pool=\"wa\"}")).isEqualTo(1.0);
        assertThat(value("fcgate_pool_max_children_reached_total{pool=\"wa\"}")).isEqualTo(1.0);
        first.release(conn);
        assertThat(second.promoted()).isCompleted();
        assertThat(value("fcgate_pool_queue_length{pool=\"wa\"}")).isZero();
        assertThat(value("fcgate_pool_queue_written_ahead{pool=\"wa\"}")).isZero();
        assertThat(value("fcgate_pool_queue_length_peak{pool=\"wa\"}")).isEqualTo(1.0);
        second.release(conn);
        pool.shutdown(Duration.ZERO);
    }

    /**
     * A request written ahead whose client left before its promotion: the child goes on to read it when the one before
     * it completes, so it is a lease (queue wait and busy histograms too, busy 0 s: released broken at once), and the
     * child is replaced.
     */
    @Test
    void aRequestWrittenAheadAndGivenUpIsCountedWhenItsChildGoesOnToIt() {
        Pool pool = new Pool(PoolConfig.builder("wa", List.of("/bin/true")).pm(PmMode.STATIC).maxChildren(1)
                .writeAhead(Duration.ofSeconds(60)).build(), new Ready(), System::nanoTime, new Random(1));
        pool.start();
        metrics.addPool(pool);
        Conn conn = new Conn();
        Lease first = granted(pool, WriteAhead.NOT_ALLOWED);
        first.connectionInUse(conn);
        Lease gone = granted(pool, WriteAhead.ALLOWED);
        gone.releaseBroken(); // written, then its client left
        assertThat(value("fcgate_pool_queue_written_ahead{pool=\"wa\"}")).as("still in the child's socket")
                .isEqualTo(1.0);
        first.release(conn);
        assertThat(value("fcgate_pool_leases_total{pool=\"wa\"}")).isEqualTo(2.0);
        assertThat(value("fcgate_pool_queue_wait_seconds_count{pool=\"wa\"}")).isEqualTo(2.0);
        assertThat(value("fcgate_pool_child_busy_seconds_count{pool=\"wa\"}")).isEqualTo(2.0);
        assertThat(value("fcgate_pool_queue_written_ahead{pool=\"wa\"}")).isZero();
        pool.shutdown(Duration.ZERO);
    }
}
