package org.fcgate.gateway.path;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.fcgate.gateway.error.Reason;
import org.fcgate.gateway.error.RejectedException;

/**
 * The path of an origin-form request target, percent-decoded exactly once and normalised.
 *
 * <p>Steps, in this order (the order is the security property):
 * <ol>
 *   <li>percent-decode once into bytes (RFC 3986 §2.1): a '%' not followed by two hex digits is 400; an encoded
 *       '/' is 404 (Apache {@code AllowEncodedSlashes Off}) because it would otherwise become a separator after
 *       decoding; {@code %25} yields a literal '%' that is never decoded again;</li>
 *   <li>decode the bytes as strict UTF-8: overlong forms such as {@code %c0%ae} and invalid sequences are 400;</li>
 *   <li>reject NUL, other control characters and '\' (400): no file name needs them, and '\' is a separator on
 *       some systems and in some PHP code;</li>
 *   <li>remove dot segments (RFC 3986 §5.2.4) and merge empty segments; a ".." that would climb above the root is
 *       400 rather than silently clamped.</li>
 * </ol>
 *
 * @param value         the normalised path, always starting with '/'
 * @param segments      its non-empty segments, none of them "." or ".."
 * @param trailingSlash whether the normalised path ends with '/' (a directory was asked for)
 */
public record RequestPath(String value, List<String> segments, boolean trailingSlash) {

    public RequestPath {
        segments = List.copyOf(segments);
    }

    /** The path for a list of segments, e.g. to re-route to an index file or a front controller. */
    public static RequestPath of(List<String> segments, boolean trailingSlash) {
        StringBuilder sb = new StringBuilder();
        for (String s : segments) {
            sb.append('/').append(s);
        }
        if (trailingSlash || segments.isEmpty()) {
            sb.append('/');
        }
        return new RequestPath(sb.toString(), segments, trailingSlash || segments.isEmpty());
    }

    /** Decodes the raw path of a request target (the part before '?'), which must start with '/'. */
    public static RequestPath decode(String rawPath) throws RejectedException {
        if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            throw new RejectedException(Reason.BAD_REQUEST_TARGET);
        }
        List<String> out = new ArrayList<>();
        boolean trailingSlash = true;
        int start = 1;
        while (start <= rawPath.length()) {
            int end = rawPath.indexOf('/', start);
            if (end < 0) {
                end = rawPath.length();
            }
            String segment = decodeSegment(rawPath.substring(start, end));
            boolean last = end == rawPath.length();
            if (segment.equals("..")) {
                if (out.isEmpty()) {
                    throw new RejectedException(Reason.PATH_ABOVE_ROOT);
                }
                out.remove(out.size() - 1);
                trailingSlash = true;
            } else if (segment.isEmpty() || segment.equals(".")) {
                trailingSlash = true;
            } else {
                out.add(segment);
                trailingSlash = false;
            }
            if (last) {
                break;
            }
            start = end + 1;
        }
        return of(out, trailingSlash);
    }

    private static String decodeSegment(String raw) throws RejectedException {
        if (plainAscii(raw)) {
            return raw; // what the steps below return for it, without their buffers and UTF-8 decoder
        }
        ByteBuffer bytes = ByteBuffer.allocate(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw new RejectedException(Reason.BAD_PERCENT_ENCODING);
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new RejectedException(Reason.BAD_PERCENT_ENCODING);
                }
                int b = hi << 4 | lo;
                if (b == '/') {
                    throw new RejectedException(Reason.ENCODED_SLASH);
                }
                bytes.put((byte) b);
                i += 2;
            } else if (c > 0x7e) {
                // The request-line parser admits only visible ASCII; anything else here is a programming error.
                throw new RejectedException(Reason.BAD_PATH_CHARACTER);
            } else {
                bytes.put((byte) c);
            }
        }
        bytes.flip();
        String decoded = strictUtf8(bytes);
        for (int i = 0; i < decoded.length(); i++) {
            char c = decoded.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                throw new RejectedException(Reason.BAD_PATH_CHARACTER);
            }
        }
        return decoded;
    }

    /** Visible ASCII or space, no '%' and no '\\': decoding changes nothing and refuses nothing. */
    private static boolean plainAscii(String raw) {
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '%' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private static String strictUtf8(ByteBuffer bytes) throws RejectedException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer chars = decoder.decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            // The JDK decoder rejects overlong forms (%c0%ae), surrogates and truncated sequences.
            throw new RejectedException(Reason.BAD_PATH_ENCODING);
        }
    }
}
