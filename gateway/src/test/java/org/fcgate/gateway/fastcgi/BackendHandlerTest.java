package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.junit.jupiter.api.Test;

/** The hand-over of a freed child's connection: a step asked for during a read runs once that read is done. */
class BackendHandlerTest {

    private final List<String> seen = new ArrayList<>();
    private final BackendHandler handler = new BackendHandler(FcgiLimits.DEFAULTS);
    private final EmbeddedChannel channel = new EmbeddedChannel(handler);

    /** Records each read; the first one asks for a step after the read, as a release on END_REQUEST does. */
    private final class Holder implements BackendHandler.Events {
        boolean accepted;
        RuntimeException throwAfter;

        @Override
        public void backendRead(ByteBuf data) {
            data.release();
            seen.add("read");
            accepted = handler.runAfterRead(() -> seen.add("step"));
            seen.add("read done");
            if (throwAfter != null) {
                throw throwAfter;
            }
        }

        @Override
        public void backendReadComplete() {
            seen.add("read complete");
        }

        @Override
        public void backendInactive() {
        }

        @Override
        public void backendException(Throwable cause) {
            seen.add("exception: " + cause.getMessage());
        }
    }

    @Test
    void aStepAskedForDuringAReadRunsWhenTheReadIsDoneBeforeReadComplete() {
        Holder h = new Holder();
        handler.attach(h);
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {1}));
        assertThat(h.accepted).isTrue();
        assertThat(seen).containsExactly("read", "read done", "step", "read complete");
        channel.finishAndReleaseAll();
    }

    @Test
    void outsideAReadNothingIsTakenSoTheCallerRunsTheStepItself() {
        assertThat(handler.runAfterRead(() -> seen.add("step"))).isFalse();
        assertThat(seen).isEmpty();
        channel.finishAndReleaseAll();
    }

    @Test
    void whenTheHolderThrowsItHearsItsOwnExceptionAndTheStepRunsAfterOnceInATask() {
        Holder h = new Holder();
        h.throwAfter = new IllegalStateException("holder failed");
        handler.attach(h);
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {1})); // Netty hands the throw to exceptionCaught
        channel.runPendingTasks();
        // The exception reaches the holder whose read threw, before the step hands the connection to the next one.
        assertThat(seen).containsSubsequence("read", "read done", "exception: holder failed", "step");
        assertThat(seen).filteredOn("step"::equals).hasSize(1);
        h.throwAfter = null;
        seen.clear();
        handler.attach(new IgnoringHolder() {
            @Override
            public void backendRead(ByteBuf data) {
                data.release();
                seen.add("second read");
            }
        });
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {2}));
        assertThat(seen).containsExactly("second read");
        channel.finishAndReleaseAll();
    }
}
