package org.fcgate.gateway.admin;

/**
 * Control characters in a value (a URI or a script path) are shown as {@code \xNN} in every format: the plain
 * text and OpenMetrics formats have no escaping of their own, and XML 1.0 cannot carry them at all. What remains
 * is escaped by each format's writer.
 */
final class Printable {

    private Printable() {
    }

    static String of(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean control = c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029';
            if (control) {
                if (out == null) {
                    out = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                out.append(c <= 0xff ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? s : out.toString();
    }
}
