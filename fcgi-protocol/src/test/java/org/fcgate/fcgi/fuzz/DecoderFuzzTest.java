package org.fcgate.fcgi.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import org.fcgate.fcgi.app.ApplicationRequestDecoder;
import org.fcgate.fcgi.app.RequestListener;
import org.fcgate.fcgi.client.ClientResponseDecoder;
import org.fcgate.fcgi.client.ResponseHead;
import org.fcgate.fcgi.client.ResponseHeadParser;
import org.fcgate.fcgi.client.ResponseListener;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.params.ParamsDecoder;
import org.fcgate.fcgi.params.ParamsEncoder;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.RecordType;
import org.fcgate.fcgi.protocol.Role;

/**
 * Fuzz tests of the decoders that read bytes from a peer. Without {@code JAZZER_FUZZ} they replay the seeds in
 * {@code DecoderFuzzTestInputs/<method>/} as regression tests; docs/fuzzing.md says how to fuzz. Every input starts
 * with the harness prefix described in {@link FuzzInput}; {@link Harness} checks the properties.
 *
 * <p>Limits are small so the fuzzer reaches them: whatever it sends, decoded params and heads stay within them.
 */
class DecoderFuzzTest {

    static final FcgiLimits LIMITS = new FcgiLimits(512, 16, 256);

    /** Client role: ids 1..3 are registered; option bit 0 expects one management answer. */
    @FuzzTest
    void clientResponseDecoder(byte[] data) {
        FuzzInput in = FuzzInput.parse(data);
        Harness.assertSplitInvariant(in, log -> new ClientTarget(log, in.option(0)));
    }

    /**
     * Application role. Option bit 0: complete a request when its input ends (then later records are dropped);
     * bit 1: complete a request when it is aborted.
     */
    @FuzzTest
    void applicationRequestDecoder(byte[] data) {
        FuzzInput in = FuzzInput.parse(data);
        Harness.assertSplitInvariant(in, log -> new ApplicationTarget(log, in.option(0), in.option(1)));
    }

    /** One PARAMS stream's content; a decoded stream also survives re-encoding. */
    @FuzzTest
    void paramsDecoder(byte[] data) {
        FuzzInput in = FuzzInput.parse(data);
        Harness.assertSplitInvariant(in, ParamsTarget::new);
    }

    /** The CGI head at the start of STDOUT; what follows the blank line is body. */
    @FuzzTest
    void responseHeadParser(byte[] data) {
        FuzzInput in = FuzzInput.parse(data);
        Harness.assertSplitInvariant(in, HeadTarget::new);
    }

    static void assertWithinLimits(Params params) {
        assertTrue(params.size() <= LIMITS.maxParamCount(), "param count " + params.size());
        long bytes = ParamsEncoder.contentSize(params.pairs());
        // Each pair has at least 2 length bytes on the wire, so its content alone is bounded too.
        assertTrue(bytes <= LIMITS.maxParamsBytes() + 6L * params.size(), "params bytes " + bytes);
    }

    static void assertWithinLimits(ResponseHead head) {
        long bytes = head.reason().length();
        for (ResponseHead.Header h : head.headers()) {
            bytes += h.name().length() + h.value().length();
        }
        assertTrue(bytes <= LIMITS.maxResponseHeadBytes(), "head bytes " + bytes);
    }

    private static final class ClientTarget implements Harness.Target {
        private final ClientResponseDecoder decoder = new ClientResponseDecoder(LIMITS);

        ClientTarget(EventLog log, boolean expectManagement) {
            for (int id = 1; id <= 3; id++) {
                decoder.register(id, new HeadParsingListener(id, log));
            }
            if (expectManagement) {
                decoder.expectManagement(new ClientResponseDecoder.ManagementListener() {
                    @Override
                    public void onGetValuesResult(Params values) {
                        assertWithinLimits(values);
                        log.event("GET_VALUES_RESULT " + values);
                    }

                    @Override
                    public void onUnknownType(int type) {
                        log.event("UNKNOWN_TYPE " + type);
                    }
                });
            }
        }

        @Override
        public void feed(ByteBuffer chunk) throws FcgiProtocolException {
            decoder.feed(chunk);
        }

        @Override
        public void end() throws FcgiProtocolException {
            decoder.endOfInput();
        }
    }

    /** Parses the CGI head of STDOUT as the gateway does; a bad head fails the connection. */
    private static final class HeadParsingListener implements ResponseListener {
        private final int id;
        private final EventLog log;
        private final ResponseHeadParser head = new ResponseHeadParser(LIMITS, 0);

        HeadParsingListener(int id, EventLog log) {
            this.id = id;
            this.log = log;
        }

        @Override
        public void onStdout(ByteBuffer chunk) throws FcgiProtocolException {
            if (!head.isDone()) {
                // Offset 0: errors point at the start of the STDOUT stream, where the head begins.
                if (!head.feed(chunk, 0)) {
                    return;
                }
                assertWithinLimits(head.head());
                log.event(id + " HEAD " + head.head());
            }
            log.data(id + " BODY", chunk);
        }

        @Override
        public void onStdoutEnd() {
            log.event(id + " STDOUT_END");
        }

        @Override
        public void onStderr(ByteBuffer chunk) {
            log.data(id + " STDERR", chunk);
        }

        @Override
        public void onEnd(int appStatus, ProtocolStatus status) {
            log.event(id + " END " + appStatus + " " + status);
        }
    }

    private static final class ApplicationTarget implements Harness.Target, RequestListener {
        private final EventLog log;
        private final boolean completeAtInputEnd;
        private final boolean completeOnAbort;
        private final ApplicationRequestDecoder decoder;
        private final Set<Integer> filters = new HashSet<>();

        ApplicationTarget(EventLog log, boolean completeAtInputEnd, boolean completeOnAbort) {
            this.log = log;
            this.completeAtInputEnd = completeAtInputEnd;
            this.completeOnAbort = completeOnAbort;
            this.decoder = new ApplicationRequestDecoder(LIMITS, this);
        }

        @Override
        public void feed(ByteBuffer chunk) throws FcgiProtocolException {
            decoder.feed(chunk);
        }

        @Override
        public void end() throws FcgiProtocolException {
            decoder.endOfInput();
        }

        @Override
        public void onBeginRequest(int requestId, Role role, int roleCode, boolean keepConn) {
            if (role == Role.FILTER) {
                filters.add(requestId);
            } else {
                filters.remove(requestId);
            }
            log.event(requestId + " BEGIN " + role + " " + roleCode + " " + keepConn);
        }

        @Override
        public void onParams(int requestId, Params params) {
            assertWithinLimits(params);
            log.event(requestId + " PARAMS " + params);
        }

        @Override
        public void onStdin(int requestId, ByteBuffer chunk) {
            log.data(requestId + " STDIN", chunk);
        }

        @Override
        public void onStdinEnd(int requestId) {
            log.event(requestId + " STDIN_END");
            if (completeAtInputEnd && !filters.contains(requestId)) {
                decoder.complete(requestId);
            }
        }

        @Override
        public void onData(int requestId, ByteBuffer chunk) {
            log.data(requestId + " DATA", chunk);
        }

        @Override
        public void onDataEnd(int requestId) {
            log.event(requestId + " DATA_END");
            if (completeAtInputEnd) {
                decoder.complete(requestId);
            }
        }

        @Override
        public void onAbort(int requestId) {
            log.event(requestId + " ABORT");
            if (completeOnAbort) {
                decoder.complete(requestId);
            }
        }

        @Override
        public void onGetValues(Params query) {
            assertWithinLimits(query);
            log.event("GET_VALUES " + query);
        }

        @Override
        public void onUnknownManagementRecord(int type) {
            log.event("UNKNOWN_MANAGEMENT " + type);
        }
    }

    private static final class ParamsTarget implements Harness.Target {
        private final EventLog log;
        private final ParamsDecoder decoder = new ParamsDecoder(LIMITS, 1, RecordType.PARAMS.code());

        ParamsTarget(EventLog log) {
            this.log = log;
        }

        @Override
        public void feed(ByteBuffer chunk) throws FcgiProtocolException {
            decoder.feed(chunk, 0);
        }

        @Override
        public void end() throws FcgiProtocolException {
            Params params = decoder.finish(0);
            assertWithinLimits(params);
            log.event("PARAMS " + params);
            assertEquals(params, reencoded(params), "decode(encode(params))");
        }

        /** Strict out, lenient in: the canonical encoding of what was decoded decodes to the same pairs. */
        private static Params reencoded(Params params) throws FcgiProtocolException {
            ByteBuffer b = ByteBuffer.allocate((int) ParamsEncoder.contentSize(params.pairs()));
            for (Params.Pair p : params.pairs()) {
                ParamsEncoder.writePair(b, p.name(), p.value());
            }
            ParamsDecoder again = new ParamsDecoder(LIMITS, 1, RecordType.PARAMS.code());
            again.feed(b.flip(), 0);
            return again.finish(0);
        }
    }

    private static final class HeadTarget implements Harness.Target {
        private final EventLog log;
        private final ResponseHeadParser parser = new ResponseHeadParser(LIMITS, 1);

        HeadTarget(EventLog log) {
            this.log = log;
        }

        @Override
        public void feed(ByteBuffer chunk) throws FcgiProtocolException {
            if (!parser.isDone()) {
                if (!parser.feed(chunk, 0)) {
                    return;
                }
                assertWithinLimits(parser.head());
                log.event("HEAD " + parser.head());
            }
            log.data("BODY", chunk);
        }

        @Override
        public void end() {
            if (!parser.isDone()) {
                log.event("INCOMPLETE");
            }
        }

        @Override
        public boolean refusesInputAfterFailure() {
            // ResponseHeadParser documents a failure as terminal but does not refuse input: feed() returns true.
            return false;
        }
    }
}
