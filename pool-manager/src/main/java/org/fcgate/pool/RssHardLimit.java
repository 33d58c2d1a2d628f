package org.fcgate.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.spawn.ChildLauncher;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code rss_hard_limit_kb} (R55): the soft {@code rss_limit_kb} recycles a child after its request; the hard
 * limit protects the host from a child that leaks during one request. The maintenance tick samples the VmRSS
 * of every busy child, at least every {@link #SAMPLE_INTERVAL} while one is busy; a child above the limit is
 * killed at once (SIGKILL: it must not allocate more during a grace), its lease revoked as
 * {@link Revocation#CHILD_FAILED} (the gateway answers 502) and its exit counted under {@link ExitReason#RSS}.
 *
 * <p>Sampling reads {@code /proc}, so it happens in three steps: {@link #toSample} under the pool lock,
 * {@link #sample} outside it, {@link #enforce} under the lock again, which skips a child whose lease changed
 * in between.
 */
final class RssHardLimit {
    private static final Logger log = LoggerFactory.getLogger(RssHardLimit.class);
    static final Duration SAMPLE_INTERVAL = Duration.ofMillis(250);

    /** A busy child to sample, and the request it was serving. */
    record Probe(ChildSlot slot, Lease lease) {
    }

    record Sample(Probe probe, long rssKb) {
    }

    private final PoolConfig config;
    private final ChildControl control;

    RssHardLimit(PoolConfig config, ChildControl control) {
        this.config = config;
        this.control = control;
    }

    /** Under the lock: the busy children, none when the limit is off. */
    List<Probe> toSample(Collection<ChildSlot> children) {
        List<Probe> probes = new ArrayList<>();
        if (config.rssHardLimitKb() <= 0) {
            return probes;
        }
        for (ChildSlot s : children) {
            if (s.state == ChildState.BUSY && s.lease != null) {
                probes.add(new Probe(s, s.lease));
            }
        }
        return probes;
    }

    /** Outside the lock: reads each child's VmRSS. */
    static List<Sample> sample(List<Probe> probes, ChildLauncher launcher) {
        List<Sample> samples = new ArrayList<>(probes.size());
        for (Probe p : probes) {
            samples.add(new Sample(p, launcher.rssKb(p.slot().id)));
        }
        return samples;
    }

    /** Under the lock: kills what is above the limit; returns when to sample next. */
    long enforce(List<Sample> samples, long now, List<Runnable> after) {
        if (samples.isEmpty()) {
            return Long.MAX_VALUE;
        }
        for (Sample sample : samples) {
            ChildSlot s = sample.probe().slot();
            if (s.lease != sample.probe().lease() || sample.rssKb() <= 0) {
                continue; // released, revoked or gone since it was sampled
            }
            s.rssKb = sample.rssKb();
            s.rssSampledNanos = now;
            if (sample.rssKb() > config.rssHardLimitKb()) {
                log.warn("[pool {}] child {} RSS {} KiB passed rss_hard_limit_kb {} during '{}', killing",
                        config.name(), s.pid, sample.rssKb(), config.rssHardLimitKb(), s.lease.uri());
                control.revoke(s, Revocation.CHILD_FAILED, after);
                control.kill(s, ExitReason.RSS, after);
            }
        }
        return now + SAMPLE_INTERVAL.toNanos();
    }
}
