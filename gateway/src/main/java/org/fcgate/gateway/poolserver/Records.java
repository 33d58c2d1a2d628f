package org.fcgate.gateway.poolserver;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.params.ParamsEncoder;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.RecordEncoder;
import org.fcgate.fcgi.protocol.RecordType;
import org.fcgate.fcgi.protocol.Role;

/**
 * The records the relay writes, each encoded by the protocol module's {@link RecordEncoder} into a buffer of its exact
 * size: strict out (every record padded to 8, PARAMS pairs never straddling a record), whatever the peer sent.
 */
final class Records {

    private Records() {
    }

    /** BEGIN_REQUEST without FCGI_KEEP_CONN: the relay opens one connection per request to a child. */
    static ByteBuf beginRequest(ByteBufAllocator alloc, int id, Role role) {
        return encode(alloc, RecordEncoder.recordSize(Fcgi.FIXED_BODY_LEN),
                dst -> RecordEncoder.beginRequest(dst, id, role, false));
    }

    /** The whole PARAMS stream, terminating empty record included. */
    static ByteBuf params(ByteBufAllocator alloc, int id, Params params) {
        return encode(alloc, ParamsEncoder.recordsSize(params.pairs()),
                dst -> ParamsEncoder.writeRecords(dst, RecordType.PARAMS, id, params.pairs()));
    }

    /** {@code data} (consumed) as records of a stream type; at least one byte. */
    static ByteBuf stream(ByteBufAllocator alloc, RecordType type, int id, ByteBuffer data) {
        return encode(alloc, (int) RecordEncoder.streamSize(data.remaining()),
                dst -> RecordEncoder.stream(dst, type, id, data));
    }

    static ByteBuf endOfStream(ByteBufAllocator alloc, RecordType type, int id) {
        return encode(alloc, Fcgi.HEADER_LEN, dst -> RecordEncoder.endOfStream(dst, type, id));
    }

    static ByteBuf endRequest(ByteBufAllocator alloc, int id, int appStatus, ProtocolStatus status) {
        return encode(alloc, RecordEncoder.recordSize(Fcgi.FIXED_BODY_LEN),
                dst -> RecordEncoder.endRequest(dst, id, appStatus, status));
    }

    static ByteBuf abortRequest(ByteBufAllocator alloc, int id) {
        return encode(alloc, Fcgi.HEADER_LEN, dst -> RecordEncoder.abortRequest(dst, id));
    }

    static ByteBuf getValuesResult(ByteBufAllocator alloc, Params values) {
        return encode(alloc, RecordEncoder.recordSize((int) ParamsEncoder.contentSize(values.pairs())),
                dst -> ParamsEncoder.writePairRecords(dst, RecordType.GET_VALUES_RESULT, Fcgi.NULL_REQUEST_ID,
                        values.pairs()));
    }

    static ByteBuf unknownType(ByteBufAllocator alloc, int type) {
        return encode(alloc, RecordEncoder.recordSize(Fcgi.FIXED_BODY_LEN),
                dst -> RecordEncoder.unknownType(dst, type));
    }

    /**
     * The response the relay makes up when a request fails before the child wrote any STDOUT: a CGI head with
     * {@code Status:} (the web server's answer: nginx and fcgate take it as the HTTP status), a short text body, the
     * end of STDOUT, END_REQUEST.
     */
    static ByteBuf errorResponse(ByteBufAllocator alloc, int id, int status, String reason) {
        byte[] cgi = ("Status: " + status + " " + reason + "\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
                + status + " " + reason + "\n").getBytes(StandardCharsets.US_ASCII);
        int size = RecordEncoder.recordSize(cgi.length) + Fcgi.HEADER_LEN
                + RecordEncoder.recordSize(Fcgi.FIXED_BODY_LEN);
        return encode(alloc, size, dst -> {
            RecordEncoder.stream(dst, RecordType.STDOUT, id, ByteBuffer.wrap(cgi));
            RecordEncoder.endOfStream(dst, RecordType.STDOUT, id);
            RecordEncoder.endRequest(dst, id, 0, ProtocolStatus.REQUEST_COMPLETE);
        });
    }

    private static ByteBuf encode(ByteBufAllocator alloc, int size, Consumer<ByteBuffer> writer) {
        ByteBuf buf = alloc.buffer(size);
        try {
            ByteBuffer dst = buf.nioBuffer(0, size);
            writer.accept(dst);
            if (dst.hasRemaining()) {
                throw new IllegalStateException("encoded " + dst.position() + " of " + size + " bytes");
            }
            buf.writerIndex(size);
            return buf;
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
    }
}
