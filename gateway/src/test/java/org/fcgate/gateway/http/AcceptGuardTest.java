package org.fcgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Errors;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.support.LogCapture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link AcceptGuard} on a stand-in listening channel (an {@link EmbeddedChannel}: its own loop and clock), fed the
 * exceptions the epoll and NIO transports raise when accept(2) fails.
 */
class AcceptGuardTest {

    private static final String WARNING = "accept on the public listener failed";

    private final AtomicLong now = new AtomicLong(1_000);
    private final Connections connections = new Connections();

    @BeforeAll
    static void nativeErrno() {
        Epoll.ensureAvailability(); // Errors.NativeIoException needs the transport's native library, as in the gateway
    }

    private static IOException emfile() {
        return new Errors.NativeIoException("accept", -24);
    }

    @Test
    void withNothingIdleAcceptPausesForTheBackoffAndTheExceptionStopsHere() {
        AcceptGuard guard = new AcceptGuard("public", connections, now::get);
        EmbeddedChannel listener = new EmbeddedChannel(guard);
        try (LogCapture log = new LogCapture()) {
            listener.pipeline().fireExceptionCaught(emfile());
            listener.runPendingTasks();
            assertThat(listener.config().isAutoRead()).as("paused").isFalse();
            listener.checkException(); // did not reach the tail
            listener.advanceTimeBy(AcceptGuard.BACKOFF.toMillis() - 1, TimeUnit.MILLISECONDS);
            listener.runScheduledPendingTasks();
            assertThat(listener.config().isAutoRead()).isFalse();
            listener.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            listener.runScheduledPendingTasks();
            assertThat(listener.config().isAutoRead()).as("accepting again after the back-off").isTrue();
            assertThat(log.text()).contains(WARNING, "Too many open files", "open-file limit ",
                    "no idle client connection to close, accepting again in 500 ms", "LimitNOFILE");
        }
    }

    @Test
    void atEmfileTheOldestIdleConnectionCloseAndAcceptResumesAtOnce() {
        EmbeddedChannel idle = new EmbeddedChannel(DefaultChannelId.newInstance(), // a group keys channels by id
                new Http1RequestDecoder(HttpLimits.defaults(), Timeouts.defaults()));
        connections.add(idle);
        EmbeddedChannel listener = new EmbeddedChannel(new AcceptGuard("public", connections, now::get));
        listener.pipeline().fireExceptionCaught(emfile());
        assertThat(listener.config().isAutoRead()).isFalse();
        try (LogCapture log = new LogCapture()) {
            idle.runPendingTasks();
            assertThat(idle.isOpen()).as("closed to make room").isFalse();
            listener.runPendingTasks();
            assertThat(listener.config().isAutoRead()).as("no back-off: a descriptor is free").isTrue();
            assertThat(log.text()).contains("closed the oldest idle client connections (1) to make room");
        }
    }

    @Test
    void theWarningComesAtMostOncePerIntervalAndCountsWhatItSkipped() {
        AcceptGuard guard = new AcceptGuard("public", connections, now::get);
        EmbeddedChannel listener = new EmbeddedChannel(guard);
        try (LogCapture log = new LogCapture()) {
            for (int i = 0; i < 50; i++) {
                listener.pipeline().fireExceptionCaught(emfile());
                listener.runPendingTasks();
                now.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
            }
            assertThat(log.text().split(WARNING, -1)).as("one warning in 5 s").hasSize(2);
            now.addAndGet(AcceptGuard.REPORT_INTERVAL.toNanos());
            listener.pipeline().fireExceptionCaught(emfile());
            listener.runPendingTasks();
            assertThat(log.text().split(WARNING, -1)).hasSize(3);
            assertThat(log.text()).contains("50 accept failures and 0 idle connections closed since the last report "
                    + "(51 failures in all)");
        }
        assertThat(guard.failures()).isEqualTo(51);
    }

    @Test
    void otherAcceptErrorsBackOffWithoutClosingConnections() {
        EmbeddedChannel idle = new EmbeddedChannel(DefaultChannelId.newInstance(), // a group keys channels by id
                new Http1RequestDecoder(HttpLimits.defaults(), Timeouts.defaults()));
        connections.add(idle);
        EmbeddedChannel listener = new EmbeddedChannel(new AcceptGuard("admin", connections, now::get));
        try (LogCapture log = new LogCapture()) {
            listener.pipeline().fireExceptionCaught(new Errors.NativeIoException("accept", -105)); // ENOBUFS
            idle.runPendingTasks();
            assertThat(idle.isOpen()).isTrue();
            assertThat(listener.config().isAutoRead()).isFalse();
            assertThat(log.text()).contains("accept on the admin listener failed", "accepting again in 500 ms");
        }
    }

    @Test
    void theNioTransportIsRecognisedByItsMessageAndOtherExceptionsPassOn() {
        assertThat(AcceptGuard.fdExhausted(new IOException("Too many open files"))).isTrue();
        assertThat(AcceptGuard.fdExhausted(emfile())).isTrue();
        assertThat(AcceptGuard.fdExhausted(new Errors.NativeIoException("accept", -23))).as("ENFILE").isTrue();
        assertThat(AcceptGuard.fdExhausted(new IOException("Connection reset by peer"))).isFalse();
        EmbeddedChannel listener = new EmbeddedChannel(new AcceptGuard("public", connections, now::get));
        listener.pipeline().fireExceptionCaught(new IllegalStateException("a bug, not accept"));
        assertThatThrownBy(listener::checkException).isInstanceOf(IllegalStateException.class);
        assertThat(listener.config().isAutoRead()).isTrue();
        listener.writeInbound(Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII));
        Object accepted = listener.readInbound();
        assertThat(accepted).as("accepted channels pass through").isNotNull();
        ReferenceCountUtil.release(accepted);
    }
}
