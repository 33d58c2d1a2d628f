package org.fcgate.fcgi.testing;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.fcgate.fcgi.client.ClientResponseDecoder;
import org.fcgate.fcgi.client.ResponseListener;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.ProtocolStatus;

/**
 * Runs a {@link ClientResponseDecoder} with some request ids registered over some input pieces and writes everything
 * it reports into a {@link Transcript}, failure included. After a failure it checks the decoder refuses more input.
 */
public final class ClientHarness {

    private FcgiLimits limits = FcgiLimits.DEFAULTS;
    private final List<Integer> ids = new ArrayList<>();
    private int managementAnswers;
    private boolean endOfInput;
    private boolean keepBytes;

    public ClientHarness limits(FcgiLimits value) {
        limits = value;
        return this;
    }

    /** Registers {@code requestId} before feeding. */
    public ClientHarness register(int requestId) {
        ids.add(requestId);
        return this;
    }

    /** Expects one more management answer (GET_VALUES_RESULT or UNKNOWN_TYPE). */
    public ClientHarness expectManagement() {
        managementAnswers++;
        return this;
    }

    public ClientHarness endOfInput() {
        endOfInput = true;
        return this;
    }

    /** Keeps every stream byte, for {@link Transcript#bytes}. */
    public ClientHarness keepBytes() {
        keepBytes = true;
        return this;
    }

    public Transcript run(List<ByteBuffer> pieces) {
        Transcript t = new Transcript(keepBytes);
        ClientResponseDecoder decoder = new ClientResponseDecoder(limits);
        for (int id : ids) {
            decoder.register(id, new ResponseListener() {
                @Override
                public void onStdout(ByteBuffer chunk) {
                    t.data("STDOUT " + id, chunk);
                }

                @Override
                public void onStdoutEnd() {
                    t.event("STDOUT_END " + id);
                }

                @Override
                public void onStderr(ByteBuffer chunk) {
                    t.data("STDERR " + id, chunk);
                }

                @Override
                public void onEnd(int appStatus, ProtocolStatus status) {
                    t.event("END " + id + " appStatus=0x" + Integer.toHexString(appStatus) + " " + status);
                }
            });
        }
        for (int i = 0; i < managementAnswers; i++) {
            decoder.expectManagement(new ClientResponseDecoder.ManagementListener() {
                @Override
                public void onGetValuesResult(Params values) {
                    t.event("GET_VALUES_RESULT " + AppHarness.render(values));
                }

                @Override
                public void onUnknownType(int type) {
                    t.event("UNKNOWN_TYPE " + type);
                }
            });
        }
        try {
            for (ByteBuffer piece : pieces) {
                decoder.feed(piece.duplicate());
            }
            if (endOfInput) {
                decoder.endOfInput();
                t.event("EOF");
            }
        } catch (FcgiProtocolException e) {
            t.failure(e);
            try {
                decoder.feed(ByteBuffer.wrap(new byte[] {1}));
                t.event("NOT TERMINAL: fed after failure");
            } catch (IllegalStateException expected) {
                t.event("TERMINAL");
            } catch (FcgiProtocolException again) {
                t.event("NOT TERMINAL: " + Transcript.describe(again));
            }
        }
        return t;
    }
}
