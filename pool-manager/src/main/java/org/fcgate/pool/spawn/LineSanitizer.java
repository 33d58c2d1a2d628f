package org.fcgate.pool.spawn;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Makes one line of child output safe for a log: control characters (CR, LF, ESC, NUL and the rest of C0,
 * plus DEL) become {@code \r}, {@code \n}, {@code \x1b}-style escapes and a backslash becomes {@code \\}, so
 * a child cannot forge log lines or terminal sequences. Invalid UTF-8 is shown byte by byte as
 * {@code \xNN}.
 */
public final class LineSanitizer {
    private LineSanitizer() {
    }

    public static String sanitize(byte[] line) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(line)).toString();
        } catch (CharacterCodingException e) {
            return escapeBytes(line);
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        CharBuffer cb = CharBuffer.wrap(text);
        while (cb.hasRemaining()) {
            appendChar(out, cb.get());
        }
        return out.toString();
    }

    private static String escapeBytes(byte[] line) {
        StringBuilder out = new StringBuilder(line.length + 16);
        for (byte b : line) {
            int v = b & 0xff;
            if (v >= 0x80) {
                out.append(String.format("\\x%02x", v));
            } else {
                appendChar(out, (char) v);
            }
        }
        return out.toString();
    }

    private static void appendChar(StringBuilder out, char c) {
        switch (c) {
            case '\r' -> out.append("\\r");
            case '\n' -> out.append("\\n");
            case '\t' -> out.append("\\t");
            case '\\' -> out.append("\\\\");
            default -> {
                if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                    out.append(String.format("\\x%02x", (int) c));
                } else {
                    out.append(c);
                }
            }
        }
    }
}
