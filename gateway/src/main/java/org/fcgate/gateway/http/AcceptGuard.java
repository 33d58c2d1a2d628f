package org.fcgate.gateway.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.unix.Errors;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a listening socket does when accept(2) fails (R67), e.g. with EMFILE once the process has used up its open-file
 * limit ({@code RLIMIT_NOFILE}). Added to the listening channel's pipeline before Netty's acceptor; one per listener.
 *
 * <ol>
 *   <li>Accepting pauses ({@code AUTO_READ} off): the listen queue stays readable while the error lasts, so accepting
 *       on would spin the event loop.</li>
 *   <li>When the error is descriptor exhaustion (EMFILE, ENFILE), the oldest idle client connections of the public
 *       listener are closed ({@link Connections#closeOldestIdle}), as nginx reuses its oldest keep-alive connections
 *       when it runs out; accepting resumes as soon as they are closed, so a new client takes the freed descriptor.</li>
 *   <li>Otherwise (nothing idle, or another error) accepting resumes after {@link #BACKOFF}: nginx's
 *       {@code accept_mutex_delay} (Netty's own acceptor would wait 1 s).</li>
 *   <li>A WARN at most once per {@link #REPORT_INTERVAL}: the listener, the error, the open-file limit, the failures and
 *       reclaimed connections since the last report, and what to raise.</li>
 * </ol>
 * The exception ends here. Passed on, Netty's pipeline tail would log each failure with a stack trace.
 */
public final class AcceptGuard extends ChannelInboundHandlerAdapter {

    static final Duration BACKOFF = Duration.ofMillis(500);
    static final Duration REPORT_INTERVAL = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(AcceptGuard.class);
    /** Linux errno values; the epoll transport reports them negated. */
    private static final int EMFILE = 24;
    private static final int ENFILE = 23;

    private final String listener;
    private final Connections reclaimable;
    private final LongSupplier nanoClock;
    /** Read at start: at the limit, loading the JDK's management library could itself fail for want of a descriptor. */
    private final String openFileLimit = openFileLimit();
    private long nextReportNanos;
    private long unreportedFailures;
    private long unreportedReclaimed;
    private long failures;

    /**
     * @param listener    named in the log, e.g. "public" or "admin"
     * @param reclaimable the public listener's connections, whose oldest idle ones are closed under fd exhaustion
     */
    public AcceptGuard(String listener, Connections reclaimable) {
        this(listener, reclaimable, System::nanoTime);
    }

    AcceptGuard(String listener, Connections reclaimable, LongSupplier nanoClock) {
        this.listener = listener;
        this.reclaimable = reclaimable;
        this.nanoClock = nanoClock;
        this.nextReportNanos = nanoClock.getAsLong();
    }

    /** Accept failures so far (tests). */
    long failures() {
        return failures;
    }

    @Override
    public boolean isSharable() {
        return false;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException io)) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        failures++;
        unreportedFailures++;
        ctx.channel().config().setAutoRead(false);
        if (!fdExhausted(io)) {
            report(io, 0);
            resumeAfter(ctx, BACKOFF);
            return;
        }
        reclaimable.closeOldestIdle().whenComplete((closed, e) -> {
            int n = closed == null ? 0 : closed;
            ctx.executor().execute(() -> {
                unreportedReclaimed += n;
                report(io, n);
                resumeAfter(ctx, n > 0 ? Duration.ZERO : BACKOFF);
            });
        });
    }

    private void resumeAfter(ChannelHandlerContext ctx, Duration delay) {
        Runnable resume = () -> {
            if (ctx.channel().isOpen()) {
                ctx.channel().config().setAutoRead(true);
            }
        };
        if (delay.isZero()) {
            resume.run();
        } else {
            ctx.executor().schedule(resume, delay.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void report(IOException cause, int closedNow) {
        long now = nanoClock.getAsLong();
        if (now - nextReportNanos < 0) {
            return;
        }
        nextReportNanos = now + REPORT_INTERVAL.toNanos();
        String action = !fdExhausted(cause) ? "accepting again in " + BACKOFF.toMillis() + " ms"
                : closedNow > 0 ? "closed the oldest idle client connections (" + closedNow + ") to make room"
                : "no idle client connection to close, accepting again in " + BACKOFF.toMillis() + " ms";
        if (fdExhausted(cause)) {
            LOG.warn("accept on the {} listener failed: {} (open-file limit {}); {}; {} accept failures and {} idle "
                    + "connections closed since the last report ({} failures in all). Raise the limit: LimitNOFILE= "
                    + "in the systemd unit, ulimit -n, docker run --ulimit nofile=N:N (docs/gateway.md, "
                    + "\"File descriptors\")", listener, cause.getMessage(), openFileLimit, action,
                    unreportedFailures, unreportedReclaimed, failures);
        } else {
            LOG.warn("accept on the {} listener failed: {}; {}; {} accept failures since the last report ({} in all)",
                    listener, cause, action, unreportedFailures, failures);
        }
        unreportedFailures = 0;
        unreportedReclaimed = 0;
    }

    /** EMFILE or ENFILE: the epoll transport carries the errno; NIO only the message (strerror, C locale). */
    static boolean fdExhausted(IOException e) {
        if (e instanceof Errors.NativeIoException n) {
            return n.expectedErr() == -EMFILE || n.expectedErr() == -ENFILE;
        }
        String m = e.getMessage();
        return m != null && m.contains("Too many open files");
    }

    /** The soft {@code RLIMIT_NOFILE}, or "unknown" where the JVM does not say. */
    private static String openFileLimit() {
        try {
            OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
                return Long.toString(unix.getMaxFileDescriptorCount());
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("open-file limit unknown", e);
        }
        return "unknown";
    }
}
