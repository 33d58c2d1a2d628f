package org.fcgate.fcgi.app;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.fcgate.fcgi.params.ParamsDecoder;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.FcgiProtocolException.Reason;
import org.fcgate.fcgi.protocol.RecordHeader;
import org.fcgate.fcgi.protocol.RecordListener;
import org.fcgate.fcgi.protocol.RecordParser;
import org.fcgate.fcgi.protocol.RecordType;
import org.fcgate.fcgi.protocol.Role;

/**
 * Application role: decodes what a web server sends on one connection, per request id.
 *
 * <p>Lifecycle of a request id (FastCGI 1.0 §3.3, §5, §6):
 * <ol>
 *   <li>BEGIN_REQUEST makes it active ({@code PARAMS} state).</li>
 *   <li>PARAMS records until the empty one: {@link RequestListener#onParams} with every pair ({@code STDIN}).</li>
 *   <li>STDIN records until the empty one ({@code INPUT_DONE}; FILTER requests also read DATA).</li>
 *   <li>The application writes END_REQUEST and calls {@link #complete}: the id is {@code COMPLETED}, and records the
 *       server had already sent for it are dropped, until a new BEGIN_REQUEST reuses it.</li>
 * </ol>
 * A BEGIN_REQUEST for an id whose input ended but which is not completed asks
 * {@link RequestListener#awaitCompletion} first (a request written ahead), and fails only if it is still active then.
 * ABORT_REQUEST for an active id reaches {@link RequestListener#onAbort}; for a completed id it is dropped (the server
 * may abort while the END_REQUEST is in flight). A record for an id that was never begun, a stream record after its
 * stream's end, STDIN before PARAMS ended, or a record type a web server never sends fails the connection.
 */
public final class ApplicationRequestDecoder implements RecordListener {

    private enum RequestState { PARAMS, STDIN, INPUT_DONE, COMPLETED }

    private static final class Entry {
        RequestState state = RequestState.PARAMS;
        boolean filter;
        boolean dataEnded;
        ParamsDecoder params;
    }

    private final RecordParser parser = new RecordParser(this);
    private final FcgiLimits limits;
    private final RequestListener listener;
    private final Map<Integer, Entry> requests = new HashMap<>(4);
    private final byte[] fixedBody = new byte[Fcgi.FIXED_BODY_LEN];
    private int fixedFilled;
    private long recordOffset;
    private ParamsDecoder managementDecoder;
    private boolean dropping;

    public ApplicationRequestDecoder(FcgiLimits limits, RequestListener listener) {
        this.limits = limits;
        this.listener = listener;
    }

    /** Feeds bytes read from the connection. */
    public void feed(ByteBuffer src) throws FcgiProtocolException {
        parser.feed(src);
    }

    /** The web server closed the connection: fails if it cut a record or an active request's input short. */
    public void endOfInput() throws FcgiProtocolException {
        long offset = parser.offset();
        parser.endOfInput();
        for (Map.Entry<Integer, Entry> e : requests.entrySet()) {
            RequestState s = e.getValue().state;
            if (s == RequestState.PARAMS || s == RequestState.STDIN) {
                throw new FcgiProtocolException(Reason.TRUNCATED, "connection closed before the end of " + s,
                        e.getKey(), -1, offset);
            }
        }
    }

    /** The application sent END_REQUEST for {@code requestId}; later records for it are dropped. */
    public void complete(int requestId) {
        Entry e = requests.get(requestId);
        if (e == null) {
            throw new IllegalStateException("request id " + requestId + " was never begun");
        }
        e.state = RequestState.COMPLETED;
        e.params = null;
    }

    /** Ids begun and not completed. */
    public int activeRequests() {
        int n = 0;
        for (Entry e : requests.values()) {
            if (e.state != RequestState.COMPLETED) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void onRecordStart(RecordHeader h, long offset) throws FcgiProtocolException {
        recordOffset = offset;
        fixedFilled = 0;
        dropping = false;
        RecordType type = h.recordType();
        if (h.requestId() == Fcgi.NULL_REQUEST_ID) {
            startManagement(h, type);
            return;
        }
        if (type == null || type.isManagement()) {
            throw fail(Reason.UNEXPECTED_RECORD_TYPE, "invalid FastCGI record type " + h.type()
                    + " for request id " + h.requestId(), h);
        }
        Entry e = requests.get(h.requestId());
        switch (type) {
            case BEGIN_REQUEST -> {
                if (e != null && e.state == RequestState.INPUT_DONE) {
                    listener.awaitCompletion(h.requestId()); // written ahead: the application may finish first
                }
                if (e != null && e.state != RequestState.COMPLETED) {
                    throw fail(Reason.DUPLICATE_REQUEST_ID, "BEGIN_REQUEST for an active request id", h);
                }
                requireLength(h, Fcgi.FIXED_BODY_LEN);
            }
            case ABORT_REQUEST -> {
                requireLength(h, 0);
                requireBegun(e, h);
                dropping = e.state == RequestState.COMPLETED;
            }
            case PARAMS -> {
                requireBegun(e, h);
                if (!(dropping = e.state == RequestState.COMPLETED) && e.state != RequestState.PARAMS) {
                    throw fail(Reason.RECORD_AFTER_STREAM_END, "PARAMS after the end of the PARAMS stream", h);
                }
            }
            case STDIN -> {
                requireBegun(e, h);
                if (!(dropping = e.state == RequestState.COMPLETED)) {
                    if (e.state == RequestState.PARAMS) {
                        throw fail(Reason.UNEXPECTED_RECORD_TYPE, "STDIN before the end of PARAMS", h);
                    }
                    if (e.state == RequestState.INPUT_DONE) {
                        throw fail(Reason.RECORD_AFTER_STREAM_END, "STDIN after the end of the STDIN stream", h);
                    }
                }
            }
            case DATA -> {
                requireBegun(e, h);
                if (!(dropping = e.state == RequestState.COMPLETED)) {
                    if (!e.filter || e.state == RequestState.PARAMS) {
                        throw fail(Reason.UNEXPECTED_RECORD_TYPE, "DATA outside a FILTER request's input", h);
                    }
                    if (e.dataEnded) {
                        throw fail(Reason.RECORD_AFTER_STREAM_END, "DATA after the end of the DATA stream", h);
                    }
                }
            }
            default -> throw fail(Reason.UNEXPECTED_RECORD_TYPE,
                    "invalid FastCGI record type " + type + " from a web server", h);
        }
    }

    private void startManagement(RecordHeader h, RecordType type) throws FcgiProtocolException {
        if (type == RecordType.GET_VALUES) {
            managementDecoder = new ParamsDecoder(limits, Fcgi.NULL_REQUEST_ID, type.code());
        } else if (type != null && !type.isManagement()) {
            throw fail(Reason.UNEXPECTED_REQUEST_ID, type + " with request id 0", h);
        }
    }

    private void requireBegun(Entry e, RecordHeader h) throws FcgiProtocolException {
        if (e == null) {
            throw fail(Reason.UNEXPECTED_REQUEST_ID, "record for request id " + h.requestId()
                    + " that is not active", h);
        }
    }

    private void requireLength(RecordHeader h, int length) throws FcgiProtocolException {
        if (h.contentLength() != length) {
            throw fail(Reason.BAD_RECORD_BODY, RecordType.describe(h.type()) + " body of " + h.contentLength()
                    + " bytes, expected " + length, h);
        }
    }

    @Override
    public void onContent(RecordHeader h, ByteBuffer chunk) throws FcgiProtocolException {
        if (dropping) {
            return;
        }
        RecordType type = h.recordType();
        if (h.requestId() == Fcgi.NULL_REQUEST_ID) {
            if (type == RecordType.GET_VALUES) {
                managementDecoder.feed(chunk, recordOffset);
            }
            return;
        }
        switch (type) {
            case PARAMS -> requests.get(h.requestId()).params.feed(chunk, recordOffset);
            case STDIN -> listener.onStdin(h.requestId(), chunk);
            case DATA -> listener.onData(h.requestId(), chunk);
            default -> {
                int n = chunk.remaining();
                chunk.get(fixedBody, fixedFilled, n);
                fixedFilled += n;
            }
        }
    }

    @Override
    public void onRecordEnd(RecordHeader h) throws FcgiProtocolException {
        if (dropping) {
            return;
        }
        int id = h.requestId();
        RecordType type = h.recordType();
        if (id == Fcgi.NULL_REQUEST_ID) {
            if (type == RecordType.GET_VALUES) {
                ParamsDecoder d = managementDecoder;
                managementDecoder = null;
                listener.onGetValues(d.finish(recordOffset));
            } else {
                listener.onUnknownManagementRecord(h.type());
            }
            return;
        }
        Entry e = requests.get(id);
        switch (type) {
            case BEGIN_REQUEST -> begin(id);
            case ABORT_REQUEST -> listener.onAbort(id);
            case PARAMS -> {
                if (h.contentLength() == 0) {
                    e.state = RequestState.STDIN;
                    ParamsDecoder d = e.params;
                    e.params = null;
                    listener.onParams(id, d.finish(recordOffset));
                }
            }
            case STDIN -> {
                if (h.contentLength() == 0) {
                    e.state = RequestState.INPUT_DONE;
                    listener.onStdinEnd(id);
                }
            }
            case DATA -> {
                if (h.contentLength() == 0) {
                    e.dataEnded = true;
                    listener.onDataEnd(id);
                }
            }
            default -> throw new IllegalStateException("record type " + type + " passed onRecordStart");
        }
    }

    private void begin(int id) throws FcgiProtocolException {
        int roleCode = (fixedBody[0] & 0xFF) << 8 | (fixedBody[1] & 0xFF);
        boolean keepConn = (fixedBody[2] & Fcgi.KEEP_CONN) != 0;
        Role role = Role.ofCode(roleCode);
        Entry e = new Entry();
        e.filter = role == Role.FILTER;
        e.params = new ParamsDecoder(limits, id, RecordType.PARAMS.code());
        requests.put(id, e);
        listener.onBeginRequest(id, role, roleCode, keepConn);
    }

    private FcgiProtocolException fail(Reason reason, String detail, RecordHeader h) {
        return new FcgiProtocolException(reason, detail, h.requestId(), h.type(), recordOffset);
    }
}
