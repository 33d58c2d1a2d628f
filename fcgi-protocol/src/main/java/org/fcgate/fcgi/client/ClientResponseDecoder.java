package org.fcgate.fcgi.client;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.params.ParamsDecoder;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.FcgiProtocolException.Reason;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.RecordHeader;
import org.fcgate.fcgi.protocol.RecordListener;
import org.fcgate.fcgi.protocol.RecordParser;
import org.fcgate.fcgi.protocol.RecordType;

/**
 * Client role (the web server's side): decodes what an application sends back on one connection, per request id.
 *
 * <p>Lifecycle of a request id:
 * <ol>
 *   <li>{@link #register} before its BEGIN_REQUEST is sent: the id becomes active.</li>
 *   <li>STDOUT and STDERR records reach its {@link ResponseListener} as they arrive.</li>
 *   <li>END_REQUEST calls {@link ResponseListener#onEnd}; the id is then ended, and any later record for it fails
 *       with {@code RECORD_AFTER_END} until it is registered again.</li>
 * </ol>
 * Several ids may be active at once: the codec multiplexes even if most applications do not.
 *
 * <p>Strict about what an application may send (FastCGI 1.0 §5, nginx's checks): STDOUT, STDERR and END_REQUEST for
 * active ids; GET_VALUES_RESULT and UNKNOWN_TYPE with id 0 only when a management request is outstanding. Anything
 * else fails the connection with a typed {@link FcgiProtocolException}; the decoder is then terminal.
 */
public final class ClientResponseDecoder implements RecordListener {

    /** Receives management answers (request id 0). */
    public interface ManagementListener {
        void onGetValuesResult(Params values);

        void onUnknownType(int type);
    }

    private enum RequestState { ACTIVE, STDOUT_ENDED, ENDED }

    private static final class Entry {
        final ResponseListener listener;
        RequestState state = RequestState.ACTIVE;
        boolean stderrEnded;

        Entry(ResponseListener listener) {
            this.listener = listener;
        }
    }

    private final RecordParser parser = new RecordParser(this);
    private final FcgiLimits limits;
    private final Map<Integer, Entry> requests = new HashMap<>(4);
    private ManagementListener management;
    private int outstandingManagement;
    private int activeCount;
    private ParamsDecoder valuesDecoder;
    private final byte[] fixedBody = new byte[Fcgi.FIXED_BODY_LEN];
    private int fixedFilled;
    private long recordOffset;

    public ClientResponseDecoder(FcgiLimits limits) {
        this.limits = limits;
    }

    /** Makes {@code requestId} active; its records go to {@code listener}. */
    public void register(int requestId, ResponseListener listener) {
        if (requestId <= 0 || requestId > Fcgi.MAX_REQUEST_ID) {
            throw new IllegalArgumentException("request id out of range 1..65535: " + requestId);
        }
        Entry old = requests.get(requestId);
        if (old != null && old.state != RequestState.ENDED) {
            throw new IllegalStateException("request id " + requestId + " is already active");
        }
        requests.put(requestId, new Entry(listener));
        activeCount++;
    }

    /** Forgets an ended (or abandoned) request id, so later records for it count as unexpected. */
    public void forget(int requestId) {
        Entry e = requests.remove(requestId);
        if (e != null && e.state != RequestState.ENDED) {
            activeCount--;
        }
    }

    /** Expects one management answer (to a GET_VALUES or an unknown management record sent). */
    public void expectManagement(ManagementListener listener) {
        this.management = listener;
        outstandingManagement++;
    }

    /** Number of registered ids that have not ended. */
    public int activeRequests() {
        return activeCount;
    }

    /**
     * Whether the connection is between requests and may carry another (FCGI_KEEP_CONN reuse): no id active, no
     * management answer due, and the parser between records — nothing half-read, not failed.
     */
    public boolean idle() {
        return activeCount == 0 && outstandingManagement == 0 && parser.atRecordBoundary();
    }

    /** Feeds bytes read from the connection. */
    public void feed(ByteBuffer src) throws FcgiProtocolException {
        parser.feed(src);
    }

    /** The application closed the connection: fails if a record or an active request was cut short. */
    public void endOfInput() throws FcgiProtocolException {
        long offset = parser.offset();
        parser.endOfInput();
        for (Map.Entry<Integer, Entry> e : requests.entrySet()) {
            if (e.getValue().state != RequestState.ENDED) {
                throw new FcgiProtocolException(Reason.TRUNCATED, "connection closed before END_REQUEST",
                        e.getKey(), -1, offset);
            }
        }
    }

    @Override
    public void onRecordStart(RecordHeader h, long offset) throws FcgiProtocolException {
        recordOffset = offset;
        fixedFilled = 0;
        RecordType type = h.recordType();
        if (type == null) {
            throw fail(Reason.UNEXPECTED_RECORD_TYPE, "invalid FastCGI record type " + h.type(), h);
        }
        switch (type) {
            case STDOUT, STDERR, END_REQUEST -> checkRequestRecord(h, type);
            case GET_VALUES_RESULT, UNKNOWN_TYPE -> checkManagementRecord(h, type);
            default -> throw fail(Reason.UNEXPECTED_RECORD_TYPE,
                    "invalid FastCGI record type " + type + " from an application", h);
        }
    }

    private void checkRequestRecord(RecordHeader h, RecordType type) throws FcgiProtocolException {
        Entry e = requests.get(h.requestId());
        if (e == null) {
            throw fail(Reason.UNEXPECTED_REQUEST_ID, "unexpected FastCGI request id " + h.requestId(), h);
        }
        if (e.state == RequestState.ENDED) {
            throw fail(Reason.RECORD_AFTER_END, type + " after END_REQUEST", h);
        }
        if (type == RecordType.END_REQUEST && h.contentLength() != Fcgi.FIXED_BODY_LEN) {
            throw fail(Reason.BAD_RECORD_BODY, "END_REQUEST body of " + h.contentLength() + " bytes, expected 8", h);
        }
        if (type == RecordType.STDOUT && e.state == RequestState.STDOUT_ENDED) {
            throw fail(Reason.RECORD_AFTER_STREAM_END, "STDOUT after the end of the STDOUT stream", h);
        }
        if (type == RecordType.STDERR && e.stderrEnded) {
            throw fail(Reason.RECORD_AFTER_STREAM_END, "STDERR after the end of the STDERR stream", h);
        }
    }

    private void checkManagementRecord(RecordHeader h, RecordType type) throws FcgiProtocolException {
        if (h.requestId() != Fcgi.NULL_REQUEST_ID) {
            throw fail(Reason.UNEXPECTED_REQUEST_ID, type + " with request id " + h.requestId() + ", expected 0", h);
        }
        if (outstandingManagement == 0) {
            throw fail(Reason.UNEXPECTED_RECORD_TYPE, "unsolicited " + type, h);
        }
        if (type == RecordType.UNKNOWN_TYPE && h.contentLength() != Fcgi.FIXED_BODY_LEN) {
            throw fail(Reason.BAD_RECORD_BODY, "UNKNOWN_TYPE body of " + h.contentLength() + " bytes, expected 8", h);
        }
        if (type == RecordType.GET_VALUES_RESULT) {
            valuesDecoder = new ParamsDecoder(limits, Fcgi.NULL_REQUEST_ID, type.code());
        }
    }

    @Override
    public void onContent(RecordHeader h, ByteBuffer chunk) throws FcgiProtocolException {
        switch (RecordType.ofCode(h.type())) {
            case STDOUT -> requests.get(h.requestId()).listener.onStdout(chunk);
            case STDERR -> requests.get(h.requestId()).listener.onStderr(chunk);
            case GET_VALUES_RESULT -> valuesDecoder.feed(chunk, recordOffset);
            default -> {
                int n = chunk.remaining();
                chunk.get(fixedBody, fixedFilled, n);
                fixedFilled += n;
            }
        }
    }

    @Override
    public void onRecordEnd(RecordHeader h) throws FcgiProtocolException {
        RecordType type = RecordType.ofCode(h.type());
        switch (type) {
            case STDOUT -> {
                if (h.contentLength() == 0) {
                    Entry e = requests.get(h.requestId());
                    e.state = RequestState.STDOUT_ENDED;
                    e.listener.onStdoutEnd();
                }
            }
            case STDERR -> {
                if (h.contentLength() == 0) {
                    requests.get(h.requestId()).stderrEnded = true;
                }
            }
            case END_REQUEST -> endRequest(h);
            case GET_VALUES_RESULT -> {
                Params values = valuesDecoder.finish(recordOffset);
                valuesDecoder = null;
                outstandingManagement--;
                management.onGetValuesResult(values);
            }
            case UNKNOWN_TYPE -> {
                outstandingManagement--;
                management.onUnknownType(fixedBody[0] & 0xFF);
            }
            default -> throw new IllegalStateException("record type " + type + " passed onRecordStart");
        }
    }

    private void endRequest(RecordHeader h) throws FcgiProtocolException {
        int appStatus = (fixedBody[0] & 0xFF) << 24 | (fixedBody[1] & 0xFF) << 16
                | (fixedBody[2] & 0xFF) << 8 | (fixedBody[3] & 0xFF);
        ProtocolStatus status = ProtocolStatus.ofCode(fixedBody[4] & 0xFF);
        if (status == null) {
            throw fail(Reason.BAD_RECORD_BODY, "undefined protocolStatus " + (fixedBody[4] & 0xFF), h);
        }
        Entry e = requests.get(h.requestId());
        e.state = RequestState.ENDED;
        activeCount--;
        e.listener.onEnd(appStatus, status);
    }

    private FcgiProtocolException fail(Reason reason, String detail, RecordHeader h) {
        return new FcgiProtocolException(reason, detail, h.requestId(), h.type(), recordOffset);
    }
}
