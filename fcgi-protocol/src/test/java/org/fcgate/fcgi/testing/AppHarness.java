package org.fcgate.fcgi.testing;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.fcgate.fcgi.app.ApplicationRequestDecoder;
import org.fcgate.fcgi.app.RequestListener;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.Role;

/**
 * Runs an {@link ApplicationRequestDecoder} over some input pieces and writes everything it reports into a
 * {@link Transcript}, failure included. After a failure it checks that the decoder refuses more input.
 */
public final class AppHarness {

    private FcgiLimits limits = FcgiLimits.DEFAULTS;
    private boolean endOfInput;
    private boolean completeOnStdinEnd;
    private boolean completeOnAwait;
    private boolean keepBytes;
    /** The PARAMS of each request id from the last run. */
    public final Map<Integer, Params> params = new HashMap<>();

    public AppHarness limits(FcgiLimits value) {
        limits = value;
        return this;
    }

    /** Calls {@code endOfInput()} after the last piece. */
    public AppHarness endOfInput() {
        endOfInput = true;
        return this;
    }

    /** Plays an application that writes END_REQUEST (and calls {@code complete}) as soon as STDIN ends. */
    public AppHarness completeOnStdinEnd() {
        completeOnStdinEnd = true;
        return this;
    }

    /**
     * Plays an application that finishes a request while a BEGIN_REQUEST written ahead waits for it: records
     * {@code AWAIT id} and completes the id.
     */
    public AppHarness completeOnAwait() {
        completeOnAwait = true;
        return this;
    }

    /** Keeps every stream byte, for {@link Transcript#bytes}. */
    public AppHarness keepBytes() {
        keepBytes = true;
        return this;
    }

    public Transcript run(List<ByteBuffer> pieces) {
        Transcript t = new Transcript(keepBytes);
        params.clear();
        ApplicationRequestDecoder[] self = new ApplicationRequestDecoder[1];
        ApplicationRequestDecoder decoder = new ApplicationRequestDecoder(limits, new RequestListener() {
            @Override
            public void onBeginRequest(int requestId, Role role, int roleCode, boolean keepConn) {
                t.event("BEGIN " + requestId + " " + role + " code=" + roleCode + " keepConn=" + keepConn);
            }

            @Override
            public void onParams(int requestId, Params p) {
                params.put(requestId, p);
                t.event("PARAMS " + requestId + " " + render(p));
            }

            @Override
            public void onStdin(int requestId, ByteBuffer chunk) {
                t.data("STDIN " + requestId, chunk);
            }

            @Override
            public void onStdinEnd(int requestId) {
                t.event("STDIN_END " + requestId);
                if (completeOnStdinEnd) {
                    self[0].complete(requestId);
                }
            }

            @Override
            public boolean awaitCompletion(int requestId) {
                t.event("AWAIT " + requestId);
                if (completeOnAwait) {
                    self[0].complete(requestId);
                }
                return completeOnAwait;
            }

            @Override
            public void onData(int requestId, ByteBuffer chunk) {
                t.data("DATA " + requestId, chunk);
            }

            @Override
            public void onDataEnd(int requestId) {
                t.event("DATA_END " + requestId);
            }

            @Override
            public void onAbort(int requestId) {
                t.event("ABORT " + requestId);
            }

            @Override
            public void onGetValues(Params query) {
                t.event("GET_VALUES " + render(query));
            }

            @Override
            public void onUnknownManagementRecord(int type) {
                t.event("UNKNOWN_MANAGEMENT " + type);
            }
        });
        self[0] = decoder;
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

    /** Pairs as name=value; long values by length and hash so transcripts stay short. */
    public static String render(Params p) {
        StringBuilder sb = new StringBuilder("[");
        for (Params.Pair pair : p.pairs()) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(Transcript.escape(pair.name())).append('=');
            if (pair.value().length <= 80) {
                sb.append(Transcript.escape(pair.value()));
            } else {
                sb.append('<').append(pair.value().length).append(" bytes, crc32 ")
                        .append(Transcript.crc32(pair.value())).append('>');
            }
        }
        return sb.append(']').toString();
    }
}
