package org.fcgate.fcgi.client;

import java.nio.ByteBuffer;
import org.fcgate.fcgi.params.EncodedParams;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.params.ParamsEncoder;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.RecordEncoder;
import org.fcgate.fcgi.protocol.RecordType;
import org.fcgate.fcgi.protocol.Role;

/**
 * Client role: the records of a request, in the order FastCGI 1.0 §3.3 and §6.2 give them: BEGIN_REQUEST, the PARAMS
 * stream, then the STDIN stream (which may be written in pieces as the body arrives), or ABORT_REQUEST at any time.
 */
public final class ClientRequestEncoder {

    private ClientRequestEncoder() {
    }

    /** Bytes of BEGIN_REQUEST plus the whole PARAMS stream. */
    public static int headSize(Params params) {
        return RecordEncoder.recordSize(Fcgi.FIXED_BODY_LEN) + ParamsEncoder.recordsSize(params.pairs());
    }

    /** Writes BEGIN_REQUEST and the whole PARAMS stream (ended by its empty record). */
    public static void writeHead(ByteBuffer dst, int requestId, Role role, boolean keepConn, Params params) {
        RecordEncoder.beginRequest(dst, requestId, role, keepConn);
        ParamsEncoder.writeRecords(dst, RecordType.PARAMS, requestId, params.pairs());
    }

    /** Bytes of BEGIN_REQUEST plus the whole PARAMS stream of pairs already encoded. */
    public static int headSize(EncodedParams params) {
        return RecordEncoder.recordSize(Fcgi.FIXED_BODY_LEN) + params.recordsSize();
    }

    /** Writes BEGIN_REQUEST and the whole PARAMS stream of pairs already encoded: the same bytes as for a Params. */
    public static void writeHead(ByteBuffer dst, int requestId, Role role, boolean keepConn, EncodedParams params) {
        RecordEncoder.beginRequest(dst, requestId, role, keepConn);
        params.writeRecords(dst, RecordType.PARAMS, requestId);
    }

    /** Writes the remaining bytes of {@code body} as STDIN records; {@link #writeStdinEnd} closes the stream. */
    public static void writeStdin(ByteBuffer dst, int requestId, ByteBuffer body) {
        RecordEncoder.stream(dst, RecordType.STDIN, requestId, body);
    }

    /** The empty STDIN record: the body is complete. */
    public static void writeStdinEnd(ByteBuffer dst, int requestId) {
        RecordEncoder.endOfStream(dst, RecordType.STDIN, requestId);
    }

    /** A whole request with a body known in advance, flipped for reading. */
    public static ByteBuffer encode(int requestId, Role role, boolean keepConn, Params params, ByteBuffer body) {
        long size = headSize(params) + RecordEncoder.streamSize(body.remaining()) + Fcgi.HEADER_LEN;
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("request too large to encode at once: " + size + " bytes");
        }
        ByteBuffer dst = ByteBuffer.allocate((int) size);
        writeHead(dst, requestId, role, keepConn, params);
        writeStdin(dst, requestId, body);
        writeStdinEnd(dst, requestId);
        return dst.flip();
    }
}
