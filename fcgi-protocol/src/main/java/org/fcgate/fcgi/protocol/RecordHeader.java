package org.fcgate.fcgi.protocol;

import java.nio.ByteBuffer;

/**
 * The 8-byte record header of FastCGI 1.0 §3.3:
 * <pre>
 *   version  type  requestIdB1 requestIdB0  contentLengthB1 contentLengthB0  paddingLength  reserved
 * </pre>
 *
 * @param version       the version byte (1 for every valid record)
 * @param type          the wire type, possibly one FastCGI 1.0 does not define
 * @param requestId     0..65535; 0 for management records
 * @param contentLength 0..65535
 * @param paddingLength 0..255
 */
public record RecordHeader(int version, int type, int requestId, int contentLength, int paddingLength) {

    public RecordHeader {
        checkRange("version", version, 0xFF);
        checkRange("type", type, 0xFF);
        checkRange("requestId", requestId, Fcgi.MAX_REQUEST_ID);
        checkRange("contentLength", contentLength, Fcgi.MAX_CONTENT_LENGTH);
        checkRange("paddingLength", paddingLength, Fcgi.MAX_PADDING_LENGTH);
    }

    private static void checkRange(String name, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(name + " out of range 0.." + max + ": " + value);
        }
    }

    /** The record type, or {@code null} when the type byte is not one FastCGI 1.0 defines. */
    public RecordType recordType() {
        return RecordType.ofCode(type);
    }

    /** Header, content and padding. */
    public int recordLength() {
        return Fcgi.HEADER_LEN + contentLength + paddingLength;
    }

    /** Reads a header from the next 8 bytes of {@code src}, advancing its position. */
    public static RecordHeader read(ByteBuffer src) {
        int version = src.get() & 0xFF;
        int type = src.get() & 0xFF;
        int requestId = src.getShort() & 0xFFFF;
        int contentLength = src.getShort() & 0xFFFF;
        int paddingLength = src.get() & 0xFF;
        src.get(); // reserved
        return new RecordHeader(version, type, requestId, contentLength, paddingLength);
    }

    /** Writes this header as 8 bytes into {@code dst}, advancing its position. */
    public void write(ByteBuffer dst) {
        write(dst, version, type, requestId, contentLength, paddingLength);
    }

    /** Writes a header without allocating one; the arguments are trusted to be in range. */
    static void write(ByteBuffer dst, int version, int type, int requestId, int contentLength, int paddingLength) {
        dst.put((byte) version);
        dst.put((byte) type);
        dst.putShort((short) requestId);
        dst.putShort((short) contentLength);
        dst.put((byte) paddingLength);
        dst.put((byte) 0);
    }
}
