package org.fcgate.fcgi.app;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Encodes the CGI response head (RFC 3875 §6.2, §6.3) and validates what goes into it. */
final class HeadWriter {

    /** One header field of the head. */
    record Field(String name, String value) {
    }

    private HeadWriter() {
    }

    /** {@code Status: CODE REASON}, each field, then the blank line; CRLF line ends, ISO-8859-1. */
    static byte[] encode(int status, String reason, List<Field> fields) {
        StringBuilder sb = new StringBuilder(64 + 32 * fields.size());
        sb.append("Status: ").append(status);
        if (!reason.isEmpty()) {
            sb.append(' ').append(reason);
        }
        sb.append("\r\n");
        for (Field f : fields) {
            sb.append(f.name()).append(": ").append(f.value()).append("\r\n");
        }
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A header name must be an RFC 9110 §5.6.2 token. */
    static void checkName(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty header name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean tchar = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tchar) {
                throw new IllegalArgumentException("invalid character 0x" + Integer.toHexString(c)
                        + " in header name " + name);
            }
        }
    }

    /** No CR, LF or other control bytes (header injection), and only ISO-8859-1 characters. */
    static void checkValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7F || c > 0xFF) {
                throw new IllegalArgumentException("invalid character 0x" + Integer.toHexString(c)
                        + " in header value");
            }
        }
    }

    /** The usual reason phrase of common codes (RFC 9110 §15), else empty. */
    static String reasonPhrase(int code) {
        return switch (code) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 303 -> "See Other";
            case 304 -> "Not Modified";
            case 307 -> "Temporary Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 413 -> "Content Too Large";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "";
        };
    }
}
