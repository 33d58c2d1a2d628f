package org.fcgate.gateway.accesslog;

import java.nio.charset.StandardCharsets;

/**
 * nginx's access-log escaping ({@code escape=default}): {@code "}, {@code \}, control bytes (below 0x20, and 0x7f)
 * and bytes from 0x80 are written as {@code \xNN}, so an attacker's URI or User-Agent can neither end the quoted
 * field, nor forge a line (CR/LF), nor drive a terminal (ESC), nor cut a reader at a NUL (R49; PHP CVE-2024-9026).
 * Netty gives request bytes as ISO-8859-1 characters, so a character up to 0xff is that byte; anything above is
 * written as its UTF-8 bytes.
 */
public final class LogEscape {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private LogEscape() {
    }

    /** {@code value} with every unsafe byte as {@code \xNN}; {@code -} when empty, as nginx writes empty fields. */
    public static String field(String value) {
        if (value == null || value.isEmpty()) {
            return "-";
        }
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (safe(c)) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(value.length() + 16).append(value, 0, i);
            }
            if (c <= 0xff) {
                hex(out, c);
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < value.length() ? i + 2 : i + 1;
                for (byte b : value.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    hex(out, b & 0xff);
                }
                i = end - 1;
            }
        }
        return out == null ? value : out.toString();
    }

    private static boolean safe(char c) {
        return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
    }

    private static void hex(StringBuilder out, int b) {
        out.append("\\x").append(HEX[b >> 4]).append(HEX[b & 0xf]);
    }
}
