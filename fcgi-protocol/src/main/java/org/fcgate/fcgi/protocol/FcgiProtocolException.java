package org.fcgate.fcgi.protocol;

import java.io.IOException;

/**
 * The one failure of a FastCGI stream: the peer broke the protocol or a configured limit, or the stream ended early.
 *
 * <p>It always says where: the request id and record type of the record at fault (or -1 when no record header had
 * been read yet) and the byte offset in the connection's stream where that record starts (or where the stream
 * ended). A decoder that throws it has reached its terminal state; the connection must be closed.
 */
public final class FcgiProtocolException extends IOException {

    /** Why the stream was rejected; a stable word for logs and metrics. */
    public enum Reason {
        /** The version byte is not FCGI_VERSION_1 (§3.3); 72 means the peer speaks HTTP. */
        UNSUPPORTED_VERSION,
        /**
         * A record's content does not fit its type: a fixed body (BEGIN_REQUEST, END_REQUEST, UNKNOWN_TYPE) that is
         * not 8 bytes, content on ABORT_REQUEST, or an undefined protocolStatus.
         */
        BAD_RECORD_BODY,
        /** A name-value pair that runs past the end of its stream, or a length with no bytes behind it. */
        MALFORMED_PARAMS,
        /** The PARAMS stream is larger than {@link FcgiLimits#maxParamsBytes()}. */
        PARAMS_TOO_LARGE,
        /** The PARAMS stream holds more pairs than {@link FcgiLimits#maxParamCount()}. */
        TOO_MANY_PARAMS,
        /** The CGI response head is larger than {@link FcgiLimits#maxResponseHeadBytes()}. */
        RESPONSE_HEAD_TOO_LARGE,
        /** The response head is not CGI: a line without a colon, a bad Status, control bytes. */
        MALFORMED_RESPONSE_HEAD,
        /** The stream ended inside a record or before every active request was complete. */
        TRUNCATED,
        /** A record for a request id that is not active on this connection. */
        UNEXPECTED_REQUEST_ID,
        /** A record of a type this role never receives, or a type the protocol does not define. */
        UNEXPECTED_RECORD_TYPE,
        /** A record for a request after that request's END_REQUEST. */
        RECORD_AFTER_END,
        /** A stream record after that stream's terminating empty record. */
        RECORD_AFTER_STREAM_END,
        /** BEGIN_REQUEST for a request id that is already active. */
        DUPLICATE_REQUEST_ID
    }

    private final Reason reason;
    private final int requestId;
    private final int recordType;
    private final long offset;

    public FcgiProtocolException(Reason reason, String detail, int requestId, int recordType, long offset) {
        super(reason + ": " + detail + " (request id " + requestId + ", " + describeType(recordType)
                + ", stream offset " + offset + ")");
        this.reason = reason;
        this.requestId = requestId;
        this.recordType = recordType;
        this.offset = offset;
    }

    private static String describeType(int recordType) {
        return recordType < 0 ? "no record" : "record " + RecordType.describe(recordType);
    }

    public Reason reason() {
        return reason;
    }

    /** The request id of the record at fault, or -1 when no header had been read. */
    public int requestId() {
        return requestId;
    }

    /** The wire type of the record at fault, or -1 when no header had been read. */
    public int recordType() {
        return recordType;
    }

    /** Byte offset in the connection stream where the record at fault starts, or where the stream ended. */
    public long offset() {
        return offset;
    }
}
