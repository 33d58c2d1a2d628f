package org.fcgate.fcgi.params;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.RecordEncoder;
import org.fcgate.fcgi.protocol.RecordType;

/**
 * Name-value pairs (§3.4) encoded into one growing byte array as they are added: both length prefixes, the name, the
 * value. The end of each pair is kept, so {@link #writeRecords} cuts records between pairs exactly as
 * {@link ParamsEncoder#writeRecords} does (a pair never straddles two records; php-fpm parses each PARAMS record on
 * its own). The same pairs give the same bytes as {@code ParamsEncoder} on a {@link Params}, without a {@code Pair}
 * and two arrays per pair: this is the form the gateway builds a request's CGI environment in.
 *
 * <p>Names are bytes (callers keep constant names pre-encoded); values are written from a {@code String} as UTF-8
 * ({@link #addUtf8}) or ISO-8859-1 ({@link #addLatin1}, for HTTP header values, which Netty holds one char per
 * received byte), with a copy-free path for ASCII text. A pair larger than one record cannot be added; the caller
 * checks {@link ParamsEncoder#pairSize} first. Not thread-safe; not modified after it is handed on.
 */
public final class EncodedParams {

    private byte[] bytes;
    private int size;
    private int[] pairEnds;
    private int pairs;

    /** @param initialBytes first capacity in encoded bytes; the array doubles as pairs are added */
    public EncodedParams(int initialBytes) {
        this.bytes = new byte[Math.max(initialBytes, 64)];
        this.pairEnds = new int[32];
    }

    /** The same pairs, encoded. */
    public static EncodedParams of(Params params) {
        EncodedParams e = new EncodedParams((int) Math.min(ParamsEncoder.contentSize(params.pairs()), 1 << 20));
        for (Params.Pair p : params.pairs()) {
            e.add(p.name(), p.value());
        }
        return e;
    }

    /** UTF-8 length of {@code s} (its length when it is ASCII, as almost every CGI value is). */
    public static int utf8Length(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                return s.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return n;
    }

    /** ISO-8859-1 length of {@code s}: one byte per char (a char above 0xFF is written as {@code ?}). */
    public static int latin1Length(CharSequence s) {
        return isOneBytePerChar(s) ? s.length() : s.toString().getBytes(StandardCharsets.ISO_8859_1).length;
    }

    public void add(byte[] name, byte[] value) {
        begin(name, value.length);
        System.arraycopy(value, 0, bytes, size, value.length);
        size += value.length;
        end();
    }

    /** {@code value} as UTF-8. */
    public void addUtf8(byte[] name, String value) {
        int n = value.length();
        for (int i = 0; i < n; i++) {
            if (value.charAt(i) >= 0x80) {
                add(name, value.getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
        addChars(name, value);
    }

    /** {@code value} as ISO-8859-1 (bytes as received for an HTTP header value). */
    public void addLatin1(byte[] name, CharSequence value) {
        if (isOneBytePerChar(value)) {
            addChars(name, value);
        } else {
            add(name, value.toString().getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    /**
     * A pair whose name is {@code prefix} followed by {@code nameChars} (one byte per char, each below 0x100), its
     * value ISO-8859-1: an {@code HTTP_*} variable written without making its name a {@code String} first.
     */
    public void addLatin1(byte[] prefix, CharSequence nameChars, CharSequence value) {
        if (!isOneBytePerChar(value)) {
            byte[] v = value.toString().getBytes(StandardCharsets.ISO_8859_1);
            writeName(prefix, nameChars, v.length);
            System.arraycopy(v, 0, bytes, size, v.length);
            size += v.length;
            end();
            return;
        }
        writeName(prefix, nameChars, value.length());
        putChars(value);
        end();
    }

    /** Pairs added. */
    public int pairCount() {
        return pairs;
    }

    /** Encoded bytes of all pairs, length prefixes included, record headers not. */
    public int contentSize() {
        return size;
    }

    /**
     * Bytes {@link #writeRecords} will write, terminating empty record included (as
     * {@link ParamsEncoder#recordsSize}).
     */
    public int recordsSize() {
        return ParamsEncoder.streamSize(pairs, i -> pairEnds[i] - (i == 0 ? 0 : pairEnds[i - 1]));
    }

    /**
     * Writes the whole stream: records of whole pairs, each padded to 8, then the empty record of {@code type}.
     * {@code dst} needs {@link #recordsSize} bytes remaining.
     */
    public void writeRecords(ByteBuffer dst, RecordType type, int requestId) {
        int i = 0;
        int recordStart = 0;
        while (i < pairs) {
            int j = i;
            while (j < pairs && pairEnds[j] - recordStart <= Fcgi.MAX_CONTENT_LENGTH) {
                j++;
            }
            int content = pairEnds[j - 1] - recordStart;
            RecordEncoder.header(dst, type, requestId, content);
            dst.put(bytes, recordStart, content);
            RecordEncoder.padding(dst, content);
            recordStart = pairEnds[j - 1];
            i = j;
        }
        RecordEncoder.endOfStream(dst, type, requestId);
    }

    /** The pairs decoded back (tests, diagnostics; not for the hot path). */
    public Params toParams() {
        Params.Builder b = Params.builder();
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, size);
        while (in.hasRemaining()) {
            int nameLength = readLength(in);
            int valueLength = readLength(in);
            byte[] name = new byte[nameLength];
            byte[] value = new byte[valueLength];
            in.get(name).get(value);
            b.add(name, value);
        }
        return b.build();
    }

    /** The encoded pairs, without record headers (tests). */
    public byte[] contentBytes() {
        return Arrays.copyOf(bytes, size);
    }

    private static int readLength(ByteBuffer in) {
        int b = in.get(in.position()) & 0xFF;
        return b < 0x80 ? in.get() & 0xFF : in.getInt() & 0x7FFFFFFF;
    }

    private void addChars(byte[] name, CharSequence value) {
        begin(name, value.length());
        putChars(value);
        end();
    }

    private void begin(byte[] name, int valueLength) {
        ensure(8 + name.length + valueLength);
        putLength(name.length);
        putLength(valueLength);
        System.arraycopy(name, 0, bytes, size, name.length);
        size += name.length;
    }

    private void writeName(byte[] prefix, CharSequence nameChars, int valueLength) {
        int nameLength = prefix.length + nameChars.length();
        ensure(8 + nameLength + valueLength);
        putLength(nameLength);
        putLength(valueLength);
        System.arraycopy(prefix, 0, bytes, size, prefix.length);
        size += prefix.length;
        putChars(nameChars);
    }

    private void putChars(CharSequence s) {
        byte[] b = bytes;
        int at = size;
        int n = s.length();
        if (s instanceof String str) {
            for (int i = 0; i < n; i++) {
                b[at + i] = (byte) str.charAt(i);
            }
        } else {
            for (int i = 0; i < n; i++) {
                b[at + i] = (byte) s.charAt(i);
            }
        }
        size = at + n;
    }

    private void putLength(int length) {
        if (length < 0x80) {
            bytes[size++] = (byte) length;
        } else {
            int v = length | 0x80000000;
            bytes[size++] = (byte) (v >>> 24);
            bytes[size++] = (byte) (v >>> 16);
            bytes[size++] = (byte) (v >>> 8);
            bytes[size++] = (byte) v;
        }
    }

    private void end() {
        if (pairs == pairEnds.length) {
            pairEnds = Arrays.copyOf(pairEnds, pairs * 2);
        }
        pairEnds[pairs++] = size;
    }

    private void ensure(int more) {
        long needed = (long) size + more;
        if (needed > bytes.length) {
            if (needed > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("params too large: " + needed + " bytes");
            }
            bytes = Arrays.copyOf(bytes, (int) Math.max(needed, Math.min(2L * bytes.length, Integer.MAX_VALUE - 8)));
        }
    }

    private static boolean isOneBytePerChar(CharSequence s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) > 0xFF) {
                return false;
            }
        }
        return true;
    }
}
