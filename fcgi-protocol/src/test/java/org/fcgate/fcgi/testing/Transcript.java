package org.fcgate.fcgi.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.fcgate.fcgi.protocol.FcgiProtocolException;

/**
 * What a decoder reported, in order, with consecutive data chunks of one stream merged: chunk boundaries depend on
 * how the input was split and carry no meaning, everything else must be identical for every split.
 */
public final class Transcript {

    private final List<String> events = new ArrayList<>();
    private String dataKind;
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private final java.util.Map<String, ByteArrayOutputStream> streams = new java.util.LinkedHashMap<>();

    /** Bytes of a stream, e.g. {@code "STDOUT 1"}; merged with the previous chunk of the same stream. */
    public void data(String kind, ByteBuffer chunk) {
        if (!kind.equals(dataKind)) {
            flush();
            dataKind = kind;
        }
        byte[] b = new byte[chunk.remaining()];
        chunk.get(b);
        data.write(b, 0, b.length);
        streams.computeIfAbsent(kind, k -> new ByteArrayOutputStream()).write(b, 0, b.length);
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

    /** Every byte of one stream, across all its chunks. */
    public byte[] bytes(String kind) {
        ByteArrayOutputStream s = streams.get(kind);
        return s == null ? new byte[0] : s.toByteArray();
    }

    private void flush() {
        if (dataKind != null) {
            byte[] b = data.toByteArray();
            events.add(dataKind + " " + render(b));
            data.reset();
            dataKind = null;
        }
    }

    private static String render(byte[] b) {
        if (b.length <= 80) {
            return "\"" + escape(b) + "\"";
        }
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(b);
            return b.length + " bytes sha256=" + HexFormat.of().formatHex(sha, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Printable ASCII as is, everything else as \xNN. */
    public static String escape(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            int c = x & 0xFF;
            if (c >= 0x20 && c < 0x7F && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }

    public static String ascii(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
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
