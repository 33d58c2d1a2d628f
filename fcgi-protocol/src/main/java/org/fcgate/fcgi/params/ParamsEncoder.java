package org.fcgate.fcgi.params;

import java.nio.ByteBuffer;
import java.util.List;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.RecordEncoder;
import org.fcgate.fcgi.protocol.RecordType;

/**
 * Encodes name-value pairs (§3.4): a length below 128 takes one byte, a longer one four bytes with the high bit set
 * (31-bit lengths).
 *
 * <p>Strict out: {@link #writeRecords} never lets a pair straddle two PARAMS records, because php-fpm parses each
 * PARAMS record on its own ({@code fcgi_get_params} in {@code main/fastcgi.c}) and drops a split pair. A pair that
 * cannot fit one record (more than 65535 bytes with its length prefixes) is refused.
 */
public final class ParamsEncoder {

    /** Largest name or value length the 31-bit form can carry. */
    public static final int MAX_LENGTH = Integer.MAX_VALUE;

    private ParamsEncoder() {
    }

    /** Bytes one length prefix takes. */
    public static int lengthSize(int length) {
        return length < 0x80 ? 1 : 4;
    }

    /** Bytes one pair takes on the wire, prefixes included. */
    public static long pairSize(int nameLength, int valueLength) {
        return (long) lengthSize(nameLength) + lengthSize(valueLength) + nameLength + valueLength;
    }

    /** Bytes of all pairs, without record headers. */
    public static long contentSize(List<Params.Pair> pairs) {
        long n = 0;
        for (Params.Pair p : pairs) {
            n += pairSize(p.name().length, p.value().length);
        }
        return n;
    }

    /** Writes one length prefix. */
    public static void writeLength(ByteBuffer dst, int length) {
        if (length < 0x80) {
            dst.put((byte) length);
        } else {
            dst.putInt(length | 0x80000000);
        }
    }

    /** Writes one pair: both prefixes, then name and value. */
    public static void writePair(ByteBuffer dst, byte[] name, byte[] value) {
        writeLength(dst, name.length);
        writeLength(dst, value.length);
        dst.put(name);
        dst.put(value);
    }

    /**
     * Bytes {@link #writeRecords} will write for these pairs, terminating empty record included.
     *
     * @throws IllegalArgumentException if a pair is too large for one record
     */
    public static int recordsSize(List<Params.Pair> pairs) {
        return streamSize(pairs.size(), i -> checkedPairSize(pairs.get(i)));
    }

    /**
     * Bytes of a PARAMS stream of {@code count} pairs of {@code sizeOf(i)} bytes each: records of whole pairs, each
     * padded to 8, then the empty record.
     */
    static int streamSize(int count, java.util.function.IntUnaryOperator sizeOf) {
        long total = 0;
        int inRecord = 0;
        for (int i = 0; i < count; i++) {
            int size = sizeOf.applyAsInt(i);
            if (inRecord + size > Fcgi.MAX_CONTENT_LENGTH) {
                total += RecordEncoder.recordSize(inRecord);
                inRecord = 0;
            }
            inRecord += size;
        }
        if (inRecord > 0) {
            total += RecordEncoder.recordSize(inRecord);
        }
        total += Fcgi.HEADER_LEN;
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("params too large: " + total + " bytes");
        }
        return (int) total;
    }

    /**
     * Writes the whole PARAMS stream of one request: records of whole pairs, each padded to 8, then the empty PARAMS
     * record. {@code dst} needs {@link #recordsSize} bytes remaining.
     */
    public static void writeRecords(ByteBuffer dst, RecordType type, int requestId, List<Params.Pair> pairs) {
        writePairRecords(dst, type, requestId, pairs);
        RecordEncoder.endOfStream(dst, type, requestId);
    }

    /**
     * Writes pairs as records of {@code type} without a terminating record: the form of a GET_VALUES or
     * GET_VALUES_RESULT body (a single record; an empty list writes one empty record).
     */
    public static void writePairRecords(ByteBuffer dst, RecordType type, int requestId, List<Params.Pair> pairs) {
        int i = 0;
        int n = pairs.size();
        if (n == 0 && type.isManagement()) {
            RecordEncoder.header(dst, type, requestId, 0);
            return;
        }
        while (i < n) {
            int recordContent = 0;
            int j = i;
            while (j < n) {
                int size = checkedPairSize(pairs.get(j));
                if (recordContent + size > Fcgi.MAX_CONTENT_LENGTH) {
                    break;
                }
                recordContent += size;
                j++;
            }
            RecordEncoder.header(dst, type, requestId, recordContent);
            for (int k = i; k < j; k++) {
                Params.Pair p = pairs.get(k);
                writePair(dst, p.name(), p.value());
            }
            RecordEncoder.padding(dst, recordContent);
            i = j;
        }
    }

    /** Encodes a whole PARAMS stream into a new buffer, flipped for reading. */
    public static ByteBuffer encode(int requestId, Params params) {
        ByteBuffer dst = ByteBuffer.allocate(recordsSize(params.pairs()));
        writeRecords(dst, RecordType.PARAMS, requestId, params.pairs());
        return dst.flip();
    }

    private static int checkedPairSize(Params.Pair p) {
        long size = pairSize(p.name().length, p.value().length);
        if (size > Fcgi.MAX_CONTENT_LENGTH) {
            throw new IllegalArgumentException("name-value pair of " + size
                    + " bytes cannot fit one FastCGI record (max 65535); name starts "
                    + preview(p.name()));
        }
        return (int) size;
    }

    private static String preview(byte[] name) {
        int n = Math.min(name.length, 40);
        StringBuilder sb = new StringBuilder(n + 2);
        for (int i = 0; i < n; i++) {
            int c = name[i] & 0xFF;
            sb.append(c >= 0x20 && c < 0x7F ? (char) c : '?');
        }
        return sb.toString();
    }
}
