package org.fcgate.gateway.http;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Locale;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.error.Reason;
import org.fcgate.gateway.error.RejectedException;

/**
 * The meaning of a syntactically valid head: body framing, Host, Expect and persistence. Strict by default, each
 * rule the one that closes a smuggling or desync door:
 * <ul>
 *   <li>Content-Length together with Transfer-Encoding is 400 (RFC 9112 §6.3 (3) allows "MAY reject"; we do,
 *       because the two framings are what CL.TE/TE.CL smuggling plays against each other);</li>
 *   <li>Transfer-Encoding: at most one line; not in HTTP/1.0 (§6.1); {@code chunked} must be the final coding
 *       (§6.3 (4): otherwise 400); any other coding before it is 501, we implement none;</li>
 *   <li>Content-Length: one line, 1–18 ASCII digits (no sign, no hex, no list, no spaces inside); identical
 *       duplicates are not folded (RFC 9110 §8.6 allows folding; strict is the default);</li>
 *   <li>Host: exactly one in HTTP/1.1, at most one in HTTP/1.0, valid syntax; an absolute-form authority takes
 *       precedence (§3.2.2);</li>
 *   <li>POST and PUT without a length are 411 rather than read-until-close (§6.3 (7));</li>
 *   <li>Expect: only {@code 100-continue}, which HTTP/1.0 requests have ignored (RFC 9110 §10.1.1); else 417.</li>
 * </ul>
 */
final class HeadValidator {

    private static final int MAX_CONTENT_LENGTH_DIGITS = 18;

    private HeadValidator() {
    }

    static RequestHead validate(HeadParser.RequestLine line, HttpHeaders headers, HttpLimits limits)
            throws RejectedException {
        HttpVersion version = line.version();
        String host = host(line, headers);
        BodyFraming framing = framing(version, headers, limits);
        if (framing instanceof BodyFraming.None
                && (line.method().equals(HttpMethod.POST) || line.method().equals(HttpMethod.PUT))) {
            throw new RejectedException(Reason.LENGTH_REQUIRED);
        }
        boolean expectContinue = expectContinue(version, headers) && framing.hasBody();
        return new RequestHead(new DefaultHttpRequest(version, line.method(), line.rawTarget(), headers),
                line.target(), host, framing, keepAlive(version, headers), expectContinue);
    }

    private static String host(HeadParser.RequestLine line, HttpHeaders headers) throws RejectedException {
        List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            throw new RejectedException(Reason.DUPLICATE_HOST);
        }
        if (hosts.isEmpty() && line.version().equals(HttpVersion.HTTP_1_1)) {
            throw new RejectedException(Reason.MISSING_HOST);
        }
        if (!hosts.isEmpty() && !HostSyntax.isValid(hosts.get(0))) {
            throw new RejectedException(Reason.BAD_HOST);
        }
        if (line.target().authority().isPresent()) {
            return line.target().authority().get();
        }
        return hosts.isEmpty() ? "" : hosts.get(0);
    }

    private static BodyFraming framing(HttpVersion version, HttpHeaders headers, HttpLimits limits)
            throws RejectedException {
        List<String> te = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        List<String> cl = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
        if (!te.isEmpty() && !cl.isEmpty()) {
            throw new RejectedException(Reason.CONTENT_LENGTH_WITH_TRANSFER_ENCODING);
        }
        if (!te.isEmpty()) {
            return chunked(version, te);
        }
        if (cl.isEmpty()) {
            return new BodyFraming.None();
        }
        if (cl.size() > 1) {
            throw new RejectedException(Reason.DUPLICATE_CONTENT_LENGTH);
        }
        long length = contentLength(cl.get(0));
        if (length > limits.maxBodyBytes()) {
            throw new RejectedException(Reason.BODY_TOO_LARGE);
        }
        return length == 0 ? new BodyFraming.None() : new BodyFraming.Fixed(length);
    }

    private static BodyFraming chunked(HttpVersion version, List<String> te) throws RejectedException {
        if (te.size() > 1) {
            throw new RejectedException(Reason.DUPLICATE_TRANSFER_ENCODING);
        }
        if (version.equals(HttpVersion.HTTP_1_0)) {
            throw new RejectedException(Reason.TRANSFER_ENCODING_IN_HTTP10);
        }
        String[] codings = te.get(0).split(",", -1);
        String last = codings[codings.length - 1].trim().toLowerCase(Locale.ROOT);
        if (!last.equals("chunked")) {
            throw new RejectedException(Reason.CHUNKED_NOT_FINAL);
        }
        if (codings.length > 1) {
            // gzip, chunked (or chunked, chunked, which §6.1 forbids outright): nothing we can decode.
            throw new RejectedException(Reason.TRANSFER_CODING_NOT_IMPLEMENTED);
        }
        return new BodyFraming.Chunked();
    }

    private static long contentLength(String value) throws RejectedException {
        if (value.isEmpty() || value.length() > MAX_CONTENT_LENGTH_DIGITS) {
            throw new RejectedException(Reason.BAD_CONTENT_LENGTH);
        }
        long n = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw new RejectedException(Reason.BAD_CONTENT_LENGTH);
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static boolean expectContinue(HttpVersion version, HttpHeaders headers) throws RejectedException {
        List<String> expect = headers.getAll(HttpHeaderNames.EXPECT);
        if (expect.isEmpty()) {
            return false;
        }
        if (expect.size() > 1 || !expect.get(0).equalsIgnoreCase("100-continue")) {
            throw new RejectedException(Reason.EXPECTATION_FAILED);
        }
        return version.equals(HttpVersion.HTTP_1_1);
    }

    private static boolean keepAlive(HttpVersion version, HttpHeaders headers) {
        boolean close = false;
        boolean keepAlive = false;
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                String t = token.trim();
                close |= t.equalsIgnoreCase("close");
                keepAlive |= t.equalsIgnoreCase("keep-alive");
            }
        }
        return !close && (version.equals(HttpVersion.HTTP_1_1) || keepAlive);
    }
}
