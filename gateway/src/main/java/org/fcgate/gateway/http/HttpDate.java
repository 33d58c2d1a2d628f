package org.fcgate.gateway.http;

import io.netty.handler.codec.DateFormatter;
import java.nio.charset.StandardCharsets;
import java.util.Date;

/**
 * The {@code Date} header value (RFC 9110 §6.6.1, one-second resolution), formatted once per second instead of once
 * per response. Any thread may call it; a race only formats the same second twice.
 */
public final class HttpDate {

    private record Second(long epochSecond, String text, byte[] headerLine) { }

    private static volatile Second current = format(System.currentTimeMillis() / 1000);

    private HttpDate() {
    }

    /** The value for now, e.g. {@code Thu, 26 Nov 2026 09:42:36 GMT}. */
    public static String now() {
        return second().text;
    }

    /** {@code "date: <now>\r\n"} in ASCII; callers must not modify the array. */
    static byte[] headerLine() {
        return second().headerLine;
    }

    private static Second second() {
        long s = System.currentTimeMillis() / 1000;
        Second c = current;
        if (c.epochSecond != s) {
            c = format(s);
            current = c;
        }
        return c;
    }

    private static Second format(long epochSecond) {
        String text = DateFormatter.format(new Date(epochSecond * 1000));
        return new Second(epochSecond, text, ("date: " + text + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }
}
