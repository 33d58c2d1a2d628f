package org.fcgate.bench.harness;

import java.nio.ByteBuffer;

/**
 * Finds the end of one HTTP/1.1 response with a {@code Content-Length} body in bytes as they arrive, without
 * buffering the response: the status code and the length are all it keeps. Enough for static files from nginx,
 * Apache and fcgate; a response without {@code Content-Length} (chunked, or delimited by close) is reported as
 * unsupported rather than guessed.
 */
public final class HttpResponseReader {

    public enum Result { MORE, DONE, UNSUPPORTED }

    private static final int LINE_MAX = 256;

    private final byte[] line = new byte[LINE_MAX];
    private int lineLength;
    private boolean inHead = true;
    private boolean firstLine = true;
    private int status;
    private long contentLength = -1;
    private long bodyLeft;

    /** Ready for the next response on the same connection. */
    public void reset() {
        lineLength = 0;
        inHead = true;
        firstLine = true;
        status = 0;
        contentLength = -1;
        bodyLeft = 0;
    }

    public int status() {
        return status;
    }

    /** Consumes bytes of {@code in} up to the end of the response (bytes after it stay in {@code in}). */
    public Result feed(ByteBuffer in) {
        while (in.hasRemaining()) {
            if (!inHead) {
                int n = (int) Math.min(bodyLeft, in.remaining());
                in.position(in.position() + n);
                bodyLeft -= n;
                if (bodyLeft == 0) {
                    return Result.DONE;
                }
                continue;
            }
            byte b = in.get();
            if (b != '\n') {
                if (lineLength < LINE_MAX) {
                    line[lineLength++] = b;
                }
                continue;
            }
            int len = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
            lineLength = 0;
            if (firstLine) {
                firstLine = false;
                status = statusCode(len);
            } else if (len == 0) {
                if (contentLength < 0) {
                    return Result.UNSUPPORTED;
                }
                inHead = false;
                bodyLeft = contentLength;
                if (bodyLeft == 0) {
                    return Result.DONE;
                }
            } else {
                header(len);
            }
        }
        return Result.MORE;
    }

    /** {@code HTTP/1.1 200 OK} → 200; 0 when malformed. */
    private int statusCode(int len) {
        if (len < 12 || line[8] != ' ') {
            return 0;
        }
        int code = 0;
        for (int i = 9; i < 12; i++) {
            if (line[i] < '0' || line[i] > '9') {
                return 0;
            }
            code = code * 10 + (line[i] - '0');
        }
        return code;
    }

    private void header(int len) {
        String name = "content-length:";
        if (len <= name.length()) {
            return;
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.toLowerCase((char) line[i]) != name.charAt(i)) {
                return;
            }
        }
        long v = 0;
        boolean digits = false;
        for (int i = name.length(); i < len; i++) {
            byte c = line[i];
            if (c >= '0' && c <= '9') {
                v = v * 10 + (c - '0');
                digits = true;
            } else if (c != ' ' && c != '\t') {
                return;
            }
        }
        if (digits) {
            contentLength = v;
        }
    }
}
