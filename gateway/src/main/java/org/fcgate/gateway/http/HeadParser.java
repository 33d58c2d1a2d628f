package org.fcgate.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.fcgate.gateway.error.Reason;
import org.fcgate.gateway.error.RejectedException;

/**
 * Strict syntax of one request-head line (RFC 9112 §3, §5), given without its CRLF.
 *
 * <p>Why our own parser instead of Netty's {@code HttpRequestDecoder}: checked on 4.2.18.Final with the default
 * {@code HttpDecoderConfig}, Netty already refuses bare LF, leading control bytes, "Foo : x", a missing colon,
 * {@code CL + TE} and {@code chunked, xchunked} — but it <em>accepts</em> obs-fold (it unfolds "Foo: a\r\n b" into
 * "a b"), {@code GET  /  HTTP/1.1} (double spaces), {@code get} and {@code /#frag}. Obs-fold and the spacing are
 * normalised away before any handler sees the request, so they cannot be validated on top; and once Netty has decoded
 * a head it has also chosen the body framing. One parser that checks every byte of every line before interpreting
 * anything, and owns the framing, keeps the rules in one place:
 * <ul>
 *   <li>request-line = method SP request-target SP HTTP-version, single spaces, nothing else;</li>
 *   <li>method: upper-case letters only (methods are case-sensitive, RFC 9110 §9.1; {@code get} is refused);</li>
 *   <li>target: visible ASCII without '#' (no fragment on the wire), origin-, absolute- or asterisk-form;</li>
 *   <li>version: exactly {@code HTTP/DIGIT.DIGIT}; 1.0 and 1.1 are served, other well-formed versions get 505;</li>
 *   <li>field-line = token ":" OWS value OWS; no space before the colon (§5.1), no obs-fold (§5.2), no control
 *       characters or DEL in values (§5.5).</li>
 * </ul>
 */
final class HeadParser {

    /** A request line, syntactically valid. */
    record RequestLine(HttpMethod method, String rawTarget, RequestTarget target, HttpVersion version) { }

    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[Character.toUpperCase(c)] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private static final int MAX_METHOD_LENGTH = 20;

    private HeadParser() {
    }

    static RequestLine parseRequestLine(ByteBuf buf, int start, int end) throws RejectedException {
        int sp1 = buf.indexOf(start, end, (byte) ' ');
        if (sp1 < 0) {
            // Also HTTP/0.9's "GET /": answered as HTTP/1.1 400 with headers, never as a bare body.
            throw new RejectedException(Reason.BAD_REQUEST_LINE);
        }
        int sp2 = buf.indexOf(sp1 + 1, end, (byte) ' ');
        if (sp2 < 0 || sp1 == start || sp2 == sp1 + 1 || buf.indexOf(sp2 + 1, end, (byte) ' ') >= 0) {
            throw new RejectedException(Reason.BAD_REQUEST_LINE);
        }
        String method = method(buf, start, sp1);
        String rawTarget = visibleAscii(buf, sp1 + 1, sp2);
        HttpVersion version = version(buf, sp2 + 1, end);
        if (method.equals("CONNECT")) {
            throw new RejectedException(Reason.METHOD_NOT_IMPLEMENTED);
        }
        return new RequestLine(HttpMethod.valueOf(method), rawTarget, target(method, rawTarget), version);
    }

    private static String method(ByteBuf buf, int start, int end) throws RejectedException {
        if (end - start > MAX_METHOD_LENGTH) {
            throw new RejectedException(Reason.BAD_METHOD);
        }
        for (int i = start; i < end; i++) {
            byte b = buf.getByte(i);
            if (b < 'A' || b > 'Z') {
                throw new RejectedException(i == start && b < 0x20 ? Reason.LEADING_GARBAGE : Reason.BAD_METHOD);
            }
        }
        return buf.toString(start, end - start, StandardCharsets.US_ASCII);
    }

    private static String visibleAscii(ByteBuf buf, int start, int end) throws RejectedException {
        for (int i = start; i < end; i++) {
            byte b = buf.getByte(i);
            if (b < 0x21 || b > 0x7e || b == '#') {
                throw new RejectedException(Reason.BAD_REQUEST_TARGET);
            }
        }
        return buf.toString(start, end - start, StandardCharsets.US_ASCII);
    }

    private static HttpVersion version(ByteBuf buf, int start, int end) throws RejectedException {
        if (end - start != 8 || !buf.toString(start, 5, StandardCharsets.US_ASCII).equals("HTTP/")
                || !isDigit(buf.getByte(start + 5)) || buf.getByte(start + 6) != '.'
                || !isDigit(buf.getByte(start + 7))) {
            throw new RejectedException(Reason.BAD_VERSION);
        }
        int major = buf.getByte(start + 5) - '0';
        int minor = buf.getByte(start + 7) - '0';
        if (major == 1 && minor == 1) {
            return HttpVersion.HTTP_1_1;
        }
        if (major == 1 && minor == 0) {
            return HttpVersion.HTTP_1_0;
        }
        throw new RejectedException(Reason.VERSION_NOT_SUPPORTED);
    }

    private static RequestTarget target(String method, String raw) throws RejectedException {
        if (raw.startsWith("/")) {
            return split(raw, Optional.empty());
        }
        if (raw.equals("*")) {
            if (!method.equals("OPTIONS")) {
                throw new RejectedException(Reason.BAD_REQUEST_TARGET);
            }
            return new RequestTarget("*", "", Optional.empty());
        }
        String lower = raw.toLowerCase(java.util.Locale.ROOT);
        int schemeEnd = lower.startsWith("http://") ? 7 : lower.startsWith("https://") ? 8 : -1;
        if (schemeEnd < 0) {
            throw new RejectedException(Reason.BAD_REQUEST_TARGET);
        }
        int authorityEnd = schemeEnd;
        while (authorityEnd < raw.length() && raw.charAt(authorityEnd) != '/' && raw.charAt(authorityEnd) != '?') {
            authorityEnd++;
        }
        String authority = raw.substring(schemeEnd, authorityEnd);
        if (!HostSyntax.isValid(authority)) {
            throw new RejectedException(Reason.BAD_HOST);
        }
        String rest = raw.substring(authorityEnd);
        return split(rest.startsWith("/") ? rest : "/" + rest, Optional.of(authority));
    }

    private static RequestTarget split(String pathAndQuery, Optional<String> authority) {
        int q = pathAndQuery.indexOf('?');
        return q < 0 ? new RequestTarget(pathAndQuery, "", authority)
                : new RequestTarget(pathAndQuery.substring(0, q), pathAndQuery.substring(q + 1), authority);
    }

    /** Parses one field line into {@code headers}. */
    static void parseFieldLine(ByteBuf buf, int start, int end, HttpHeaders headers) throws RejectedException {
        byte first = buf.getByte(start);
        if (first == ' ' || first == '\t') {
            throw new RejectedException(Reason.OBS_FOLD);
        }
        int colon = start;
        while (colon < end) {
            byte b = buf.getByte(colon);
            if (b == ':') {
                break;
            }
            if (b < 0 || !TCHAR[b]) {
                throw new RejectedException(Reason.BAD_HEADER_NAME);
            }
            colon++;
        }
        if (colon == end) {
            throw new RejectedException(Reason.MISSING_COLON);
        }
        if (colon == start) {
            throw new RejectedException(Reason.BAD_HEADER_NAME);
        }
        int vStart = colon + 1;
        int vEnd = end;
        while (vStart < vEnd && isWhitespace(buf.getByte(vStart))) {
            vStart++;
        }
        while (vEnd > vStart && isWhitespace(buf.getByte(vEnd - 1))) {
            vEnd--;
        }
        for (int i = vStart; i < vEnd; i++) {
            int b = buf.getByte(i) & 0xff;
            // field-vchar = VCHAR / obs-text, with SP and HTAB inside; everything else (NUL, CR, CTLs, DEL) is 400.
            if (b < 0x20 && b != '\t' || b == 0x7f) {
                throw new RejectedException(Reason.BAD_HEADER_VALUE);
            }
        }
        headers.add(buf.toString(start, colon - start, StandardCharsets.US_ASCII),
                buf.toString(vStart, vEnd - vStart, StandardCharsets.ISO_8859_1));
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t';
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}
