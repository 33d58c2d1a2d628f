package org.fcgate.fcgi.protocol;

import java.nio.ByteBuffer;

/**
 * Writes FastCGI 1.0 records into a caller's {@link ByteBuffer}: strict out.
 *
 * <p>Every record is padded to a multiple of 8 bytes (§3.3 recommends it; php-fpm and nginx do it). Streams are cut
 * into records of at most {@link Fcgi#MAX_CONTENT_LENGTH} bytes and closed by an empty record (§3.3). The caller sizes
 * {@code dst} with the {@code *Size} methods; nothing here allocates.
 */
public final class RecordEncoder {

    private RecordEncoder() {
    }

    /** Bytes of one record carrying {@code contentLength} content bytes: header, content, padding. */
    public static int recordSize(int contentLength) {
        return Fcgi.HEADER_LEN + contentLength + Fcgi.paddingFor(contentLength);
    }

    /** Bytes of the records carrying {@code dataLength} stream bytes, not counting the terminating empty record. */
    public static long streamSize(long dataLength) {
        long full = dataLength / Fcgi.MAX_CONTENT_LENGTH;
        int rest = (int) (dataLength % Fcgi.MAX_CONTENT_LENGTH);
        return full * recordSize(Fcgi.MAX_CONTENT_LENGTH) + (rest > 0 ? recordSize(rest) : 0);
    }

    /** Writes a header whose content is written next by the caller, followed by {@link #padding}. */
    public static void header(ByteBuffer dst, RecordType type, int requestId, int contentLength) {
        checkRequestId(requestId);
        if (contentLength < 0 || contentLength > Fcgi.MAX_CONTENT_LENGTH) {
            throw new IllegalArgumentException("contentLength out of range 0..65535: " + contentLength);
        }
        RecordHeader.write(dst, Fcgi.VERSION_1, type.code(), requestId, contentLength, Fcgi.paddingFor(contentLength));
    }

    /** Writes the zero bytes that pad a record of {@code contentLength} content bytes. */
    public static void padding(ByteBuffer dst, int contentLength) {
        for (int i = Fcgi.paddingFor(contentLength); i > 0; i--) {
            dst.put((byte) 0);
        }
    }

    /** FCGI_BEGIN_REQUEST (§5.1): role, flags (KEEP_CONN), five reserved bytes. */
    public static void beginRequest(ByteBuffer dst, int requestId, Role role, boolean keepConn) {
        header(dst, RecordType.BEGIN_REQUEST, requestId, Fcgi.FIXED_BODY_LEN);
        dst.putShort((short) role.code());
        dst.put((byte) (keepConn ? Fcgi.KEEP_CONN : 0));
        dst.put(new byte[5]);
    }

    /** FCGI_ABORT_REQUEST (§5.4): no content. */
    public static void abortRequest(ByteBuffer dst, int requestId) {
        header(dst, RecordType.ABORT_REQUEST, requestId, 0);
    }

    /** FCGI_END_REQUEST (§5.5): 32-bit appStatus, protocolStatus, three reserved bytes. */
    public static void endRequest(ByteBuffer dst, int requestId, int appStatus, ProtocolStatus status) {
        header(dst, RecordType.END_REQUEST, requestId, Fcgi.FIXED_BODY_LEN);
        dst.putInt(appStatus);
        dst.put((byte) status.code());
        dst.put(new byte[3]);
    }

    /** FCGI_UNKNOWN_TYPE (§4.2): the type byte that was not understood, seven reserved bytes. */
    public static void unknownType(ByteBuffer dst, int unknownType) {
        header(dst, RecordType.UNKNOWN_TYPE, Fcgi.NULL_REQUEST_ID, Fcgi.FIXED_BODY_LEN);
        dst.put((byte) unknownType);
        dst.put(new byte[7]);
    }

    /**
     * Writes all remaining bytes of {@code data} as records of {@code type}, each at most 65535 content bytes, and
     * advances {@code data} to its limit. Writes nothing for empty data: the end of a stream is {@link #endOfStream}.
     */
    public static void stream(ByteBuffer dst, RecordType type, int requestId, ByteBuffer data) {
        while (data.hasRemaining()) {
            int n = Math.min(data.remaining(), Fcgi.MAX_CONTENT_LENGTH);
            header(dst, type, requestId, n);
            int oldLimit = data.limit();
            data.limit(data.position() + n);
            dst.put(data);
            data.limit(oldLimit);
            padding(dst, n);
        }
    }

    /** The empty record that ends a PARAMS, STDIN, DATA, STDOUT or STDERR stream (§3.3). */
    public static void endOfStream(ByteBuffer dst, RecordType type, int requestId) {
        header(dst, type, requestId, 0);
    }

    private static void checkRequestId(int requestId) {
        if (requestId < 0 || requestId > Fcgi.MAX_REQUEST_ID) {
            throw new IllegalArgumentException("requestId out of range 0..65535: " + requestId);
        }
    }
}
