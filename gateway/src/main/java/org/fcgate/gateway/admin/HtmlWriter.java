package org.fcgate.gateway.admin;

/**
 * A minimal HTML writer: markup is written by element name only, every text goes through {@link #text(String)},
 * which escapes {@code & < > " '}. No caller concatenates a value into markup.
 */
final class HtmlWriter {

    private final StringBuilder out = new StringBuilder(2048);

    HtmlWriter raw(String markup) {
        out.append(markup);
        return this;
    }

    HtmlWriter element(String name, String text) {
        out.append('<').append(name).append('>');
        text(text);
        out.append("</").append(name).append('>');
        return this;
    }

    HtmlWriter text(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
