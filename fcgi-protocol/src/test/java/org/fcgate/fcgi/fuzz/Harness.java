package org.fcgate.fcgi.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Function;
import org.fcgate.fcgi.protocol.FcgiProtocolException;

/**
 * Runs one fuzz input through a decoder three ways (whole, split at the fuzzer's offset, a byte at a time) and checks
 * the properties every decoder promises:
 * <ul>
 *   <li>only {@link FcgiProtocolException} escapes (anything else propagates and is a finding);</li>
 *   <li>the outcome does not depend on the chunking: same events, or the same failure (reason, request id, record
 *       type, offset) after the same events;</li>
 *   <li>after a failure the decoder is terminal: more input is refused with {@link IllegalStateException}.</li>
 * </ul>
 */
final class Harness {

    /** A decoder under test, wired to an {@link EventLog}. */
    interface Target {
        void feed(ByteBuffer chunk) throws FcgiProtocolException;

        /** The stream ended. */
        void end() throws FcgiProtocolException;

        /** Whether {@link #feed} must throw IllegalStateException after a failure (the documented terminal state). */
        default boolean refusesInputAfterFailure() {
            return true;
        }
    }

    /** Events, then the failure that stopped the decoder (or {@code null}). */
    record Outcome(List<String> events, String failure) {
    }

    private Harness() {
    }

    static void assertSplitInvariant(FuzzInput in, Function<EventLog, Target> factory) {
        Outcome whole = run(in, FuzzInput.Chunking.WHOLE, factory);
        assertEquals(whole, run(in, FuzzInput.Chunking.SPLIT, factory), "split at " + in.splitOffset());
        assertEquals(whole, run(in, FuzzInput.Chunking.BYTE_AT_A_TIME, factory), "byte at a time");
    }

    static Outcome run(FuzzInput in, FuzzInput.Chunking chunking, Function<EventLog, Target> factory) {
        EventLog log = new EventLog();
        Target target = factory.apply(log);
        try {
            for (ByteBuffer chunk : chunking.chunks(in)) {
                target.feed(chunk);
            }
            target.end();
            return new Outcome(log.events(), null);
        } catch (FcgiProtocolException e) {
            if (target.refusesInputAfterFailure()) {
                assertThrows(IllegalStateException.class, () -> target.feed(ByteBuffer.allocate(1)),
                        "input accepted after " + e.getMessage());
            }
            return new Outcome(log.events(), e.reason() + " request " + e.requestId() + " type " + e.recordType()
                    + " offset " + e.offset());
        }
    }
}
