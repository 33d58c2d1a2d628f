package org.fcgate.fcgi.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32;
import org.fcgate.fcgi.protocol.FcgiProtocolException;

/**
 * What a decoder reported, in order, with consecutive data chunks of one stream merged: chunk boundaries depend on
 * how the input was split and carry no meaning, everything else must be identical for every split.
 *
 * <p>A merged run of data is rendered as its text when short, else as length and CRC-32, so that comparing thousands
 * of splits of a 64 KiB vector stays fast. {@link #bytes} keeps every byte only when asked to.
 */
public final class Transcript {

    private static final int SHOWN = 80;

    private final boolean keepBytes;
    private final List<String> events = new ArrayList<>();
    private String dataKind;
    private long dataLength;
    private final CRC32 crc = new CRC32();
    private final ByteArrayOutputStream head = new ByteArrayOutputStream();
    private final Map<String, ByteArrayOutputStream> streams = new LinkedHashMap<>();

    public Transcript() {
        this(false);
    }

    public Transcript(boolean keepBytes) {
        this.keepBytes = keepBytes;
    }

    /** Bytes of a stream, e.g. {@code "STDOUT 1"}; merged with the previous chunk of the same stream. */
    public void data(String kind, ByteBuffer chunk) {
        if (!kind.equals(dataKind)) {
            flush();
            dataKind = kind;
        }
        int n = chunk.remaining();
        dataLength += n;
        int shown = (int) Math.min(n, Math.max(0, SHOWN + 1 - head.size()));
        for (int i = 0; i < shown; i++) {
            head.write(chunk.get(chunk.position() + i));
        }
        if (keepBytes) {
            ByteArrayOutputStream s = streams.computeIfAbsent(kind, k -> new ByteArrayOutputStream());
            for (int i = 0; i < n; i++) {
                s.write(chunk.get(chunk.position() + i));
            }
        }
        crc.update(chunk);
    }

    public void event(String text) {
        flush();
        events.add(text);
    }

    /** Records a failure as one comparable event: reason, request id, record type, offset. */
    public void failure(FcgiProtocolException e) {
        event(describe(e));
    }

    public static String describe(FcgiProtocolException e) {
        return "FAIL " + e.reason() + " id=" + e.requestId() + " type=" + e.recordType() + " offset=" + e.offset();
    }

    public List<String> events() {
        flush();
        return List.copyOf(events);
    }

    /** Every byte of one stream, across all its chunks; needs {@code new Transcript(true)}. */
    public byte[] bytes(String kind) {
        if (!keepBytes) {
            throw new IllegalStateException("transcript made without keepBytes");
        }
        ByteArrayOutputStream s = streams.get(kind);
        return s == null ? new byte[0] : s.toByteArray();
    }

    private void flush() {
        if (dataKind != null) {
            events.add(dataKind + " " + (dataLength <= SHOWN
                    ? "\"" + escape(head.toByteArray()) + "\""
                    : dataLength + " bytes crc32=" + Long.toHexString(crc.getValue())));
            head.reset();
            crc.reset();
            dataLength = 0;
            dataKind = null;
        }
    }

    /** CRC-32 of some bytes, for rendering long values. */
    public static String crc32(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return Long.toHexString(c.getValue());
    }

    /** Printable ASCII as is, everything else as \xNN. */
    public static String escape(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length);
        for (byte x : b) {
            int c = x & 0xFF;
            if (c >= 0x20 && c < 0x7F && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append('\\').append('x').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
            }
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Transcript t && events().equals(t.events());
    }

    @Override
    public int hashCode() {
        return Objects.hash(events());
    }

    @Override
    public String toString() {
        return String.join("\n", events());
    }
}
