package org.fcgate.fcgi.client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.FcgiProtocolException.Reason;
import org.fcgate.fcgi.protocol.RecordType;

/**
 * Incremental parser of the CGI response head at the start of STDOUT (RFC 3875 §6): header lines ended by CRLF or LF,
 * then an empty line. Bounded by {@link FcgiLimits#maxResponseHeadBytes()} ("upstream sent too big header").
 *
 * <p>Rejects, as nginx does: a line without a colon, an empty or non-token name, control bytes (CR, NUL, ESC…) in a
 * value, a {@code Status:} that is not three digits 200..999 followed by end or a space, and two {@code Status:} lines.
 *
 * <p>Lifecycle: {@link #feed} STDOUT chunks until it returns true; the chunk's remaining bytes are then the start of
 * the body and {@link #head()} is the result. Any exception is terminal.
 */
public final class ResponseHeadParser {

    private final FcgiLimits limits;
    private final int requestId;
    private byte[] line;
    private int lineLength;
    private int total;
    private boolean done;
    private boolean failed;
    private int status = 200;
    private String reason = "";
    private boolean hasStatus;
    private final List<ResponseHead.Header> headers = new ArrayList<>();

    public ResponseHeadParser(FcgiLimits limits, int requestId) {
        this.limits = limits;
        this.requestId = requestId;
        // Most heads are a few hundred bytes; a longer line grows the buffer up to the head limit.
        this.line = new byte[Math.min(limits.maxResponseHeadBytes(), 256)];
    }

    /**
     * Consumes head bytes from {@code chunk}; returns true once the blank line was read, leaving the body bytes in
     * {@code chunk}.
     */
    public boolean feed(ByteBuffer chunk, long offset) throws FcgiProtocolException {
        if (failed) {
            throw new IllegalStateException("state: FAILED");
        }
        if (done) {
            return true;
        }
        while (chunk.hasRemaining()) {
            byte b = chunk.get();
            if (++total > limits.maxResponseHeadBytes()) {
                throw fail(Reason.RESPONSE_HEAD_TOO_LARGE,
                        "response head exceeds " + limits.maxResponseHeadBytes() + " bytes", offset);
            }
            if (b == '\n') {
                int end = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
                if (end == 0) {
                    done = true;
                    return true;
                }
                parseLine(end, offset);
                lineLength = 0;
            } else {
                append(b);
            }
        }
        return false;
    }

    /** The parsed head; valid once {@link #feed} returned true. */
    public ResponseHead head() {
        if (failed) {
            throw new IllegalStateException("state: FAILED");
        }
        if (!done) {
            throw new IllegalStateException("head not complete");
        }
        return new ResponseHead(status, reason, hasStatus, List.copyOf(headers));
    }

    public boolean isDone() {
        return done;
    }

    private void append(byte b) {
        if (lineLength == line.length) {
            // A line grows at most to the head limit, which feed() enforces before every byte.
            line = Arrays.copyOf(line, Math.min(line.length * 2, limits.maxResponseHeadBytes()));
        }
        line[lineLength++] = b;
    }

    private void parseLine(int end, long offset) throws FcgiProtocolException {
        byte[] buf = line;
        int colon = -1;
        for (int i = 0; i < end; i++) {
            if (buf[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon <= 0) {
            throw fail(Reason.MALFORMED_RESPONSE_HEAD, "header line without a name and colon", offset);
        }
        for (int i = 0; i < colon; i++) {
            if (!isTokenChar(buf[i] & 0xFF)) {
                throw fail(Reason.MALFORMED_RESPONSE_HEAD, "invalid character in header name", offset);
            }
        }
        int vs = colon + 1;
        int ve = end;
        while (vs < ve && (buf[vs] == ' ' || buf[vs] == '\t')) {
            vs++;
        }
        while (ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t')) {
            ve--;
        }
        for (int i = vs; i < ve; i++) {
            int c = buf[i] & 0xFF;
            if ((c < 0x20 && c != '\t') || c == 0x7F) {
                throw fail(Reason.MALFORMED_RESPONSE_HEAD, "control byte 0x" + Integer.toHexString(c)
                        + " in a header value", offset);
            }
        }
        String name = new String(buf, 0, colon, StandardCharsets.ISO_8859_1);
        String value = new String(buf, vs, ve - vs, StandardCharsets.ISO_8859_1);
        if (name.equalsIgnoreCase("Status")) {
            parseStatus(value, offset);
        } else {
            headers.add(new ResponseHead.Header(name, value));
        }
    }

    private void parseStatus(String value, long offset) throws FcgiProtocolException {
        if (hasStatus) {
            throw fail(Reason.MALFORMED_RESPONSE_HEAD, "two Status lines", offset);
        }
        boolean digits = value.length() >= 3 && Character.isDigit(value.charAt(0))
                && Character.isDigit(value.charAt(1)) && Character.isDigit(value.charAt(2))
                && (value.length() == 3 || value.charAt(3) == ' ');
        int code = digits ? Integer.parseInt(value.substring(0, 3)) : -1;
        if (code < 200) {
            throw fail(Reason.MALFORMED_RESPONSE_HEAD, "invalid status", offset);
        }
        hasStatus = true;
        status = code;
        reason = value.length() > 4 ? value.substring(4).trim() : "";
    }

    private static boolean isTokenChar(int c) {
        // RFC 9110 §5.6.2 tchar
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
            return true;
        }
        return "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private FcgiProtocolException fail(Reason reason, String detail, long offset) {
        failed = true;
        return new FcgiProtocolException(reason, detail, requestId, RecordType.STDOUT.code(), offset);
    }
}
