package org.fcgate.bench.harness;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the text {@code wrk --latency} (4.x) prints:
 * <pre>
 *     Latency     2.62ms  436.37us  12.56ms   89.86%      ← Thread Stats: avg, stdev, max, +/- stdev
 *   Latency Distribution
 *      50%    2.60ms
 *      90%    2.92ms
 *      99%    4.40ms
 *   121703 requests in 10.00s, 21.58MB read
 *   Socket errors: connect 0, read 0, write 0, timeout 3   ← only when there are some
 *   Non-2xx or 3xx responses: 5                            ← only when there are some
 * Requests/sec:  12169.97
 * </pre>
 * Times carry wrk's units ({@code us}, {@code ms}, {@code s}, {@code m}, {@code h}). Output without the latency
 * distribution (wrk run without {@code --latency}) or without a summary is refused with the line that is missing.
 */
public final class WrkOutput {

    private static final String TIME = "([0-9.]+)(us|ms|s|m|h)";
    private static final Pattern MAX = Pattern.compile("(?m)^\\s*Latency\\s+" + TIME + "\\s+" + TIME + "\\s+" + TIME);
    private static final Pattern SUMMARY = Pattern.compile("(?m)^\\s*(\\d+) requests in " + TIME + ",");
    private static final Pattern SOCKET_ERRORS = Pattern.compile(
            "(?m)^\\s*Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern NON_2XX = Pattern.compile("(?m)^\\s*Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern RATE = Pattern.compile("(?m)^Requests/sec:\\s+([0-9.]+)");

    private WrkOutput() {
    }

    public static LoadResult parse(String text) {
        Matcher summary = find(SUMMARY, text, "'N requests in T, …' summary");
        long requests = Long.parseLong(summary.group(1));
        double seconds = micros(summary.group(2), summary.group(3)) / 1e6;
        long errors = 0;
        Matcher socket = SOCKET_ERRORS.matcher(text);
        if (socket.find()) {
            for (int g = 1; g <= 4; g++) {
                errors += Long.parseLong(socket.group(g));
            }
        }
        Matcher non2xx = NON_2XX.matcher(text);
        if (non2xx.find()) {
            errors += Long.parseLong(non2xx.group(1));
        }
        double rate = Double.parseDouble(find(RATE, text, "'Requests/sec:' line").group(1));
        Matcher max = find(MAX, text, "'Latency avg stdev max' thread stats line");
        return new LoadResult(requests, errors, seconds, rate, percentile(text, 50), percentile(text, 90),
                percentile(text, 99), micros(max.group(5), max.group(6)));
    }

    private static double percentile(String text, int p) {
        Pattern line = Pattern.compile("(?m)^\\s*" + p + "(?:\\.0+)?%\\s+" + TIME + "\\s*$");
        Matcher m = find(line, text, "'" + p + "%' latency line (run wrk with --latency)");
        return micros(m.group(1), m.group(2));
    }

    /** {@code 436.37us}, {@code 2.60ms}, {@code 1.02s}, {@code 1.50m}, {@code 1.00h} in microseconds. */
    static double micros(String value, String unit) {
        double v = Double.parseDouble(value);
        return switch (unit) {
            case "us" -> v;
            case "ms" -> v * 1e3;
            case "s" -> v * 1e6;
            case "m" -> v * 60e6;
            case "h" -> v * 3600e6;
            default -> throw new IllegalArgumentException("unknown wrk time unit '" + unit + "'");
        };
    }

    private static Matcher find(Pattern p, String text, String what) {
        Matcher m = p.matcher(text);
        if (!m.find()) {
            throw new IllegalArgumentException("not wrk --latency output: no " + what);
        }
        return m;
    }
}
