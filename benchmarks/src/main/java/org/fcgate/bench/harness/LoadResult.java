package org.fcgate.bench.harness;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * One load run as the report reads it, whichever client made it ({@code wrk} through {@link WrkOutput}, or
 * {@link FcgiLoad}): completed requests, failed ones, and the latency distribution.
 *
 * @param requests          responses read, good or not
 * @param errors            socket errors (connect, read, write, timeout) plus responses that were not 2xx/3xx
 * @param seconds           length of the measured run
 * @param requestsPerSecond the client's own figure (wrk's {@code Requests/sec})
 * @param p50Micros         latency percentiles in microseconds
 * @param p90Micros         "
 * @param p99Micros         "
 * @param maxMicros         the slowest request
 */
public record LoadResult(long requests, long errors, double seconds, double requestsPerSecond, double p50Micros,
                         double p90Micros, double p99Micros, double maxMicros) {

    public LoadResult {
        if (requests < 0 || errors < 0 || seconds <= 0) {
            throw new IllegalArgumentException("requests " + requests + ", errors " + errors + ", seconds " + seconds
                    + ": counts must not be negative and the run must have a length");
        }
    }

    /** The mean time a connection waited per request if every connection were served alike: connections / rate. */
    public double fairShareMicros(int connections) {
        return requestsPerSecond == 0 ? Double.POSITIVE_INFINITY : connections * 1e6 / requestsPerSecond;
    }

    /** As {@code key=value} lines, the form {@link FcgiLoad} writes and {@link #parse} reads. */
    public String format() {
        Properties p = new Properties();
        p.setProperty("requests", Long.toString(requests));
        p.setProperty("errors", Long.toString(errors));
        p.setProperty("seconds", Double.toString(seconds));
        p.setProperty("requests_per_second", Double.toString(requestsPerSecond));
        p.setProperty("p50_us", Double.toString(p50Micros));
        p.setProperty("p90_us", Double.toString(p90Micros));
        p.setProperty("p99_us", Double.toString(p99Micros));
        p.setProperty("max_us", Double.toString(maxMicros));
        StringWriter out = new StringWriter();
        try {
            p.store(out, "fcgate bench load result");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Reads what {@link #format} wrote; a missing or malformed key is an {@link IllegalArgumentException}. */
    public static LoadResult parse(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new LoadResult(Long.parseLong(required(p, "requests")), Long.parseLong(required(p, "errors")),
                number(p, "seconds"), number(p, "requests_per_second"), number(p, "p50_us"), number(p, "p90_us"),
                number(p, "p99_us"), number(p, "max_us"));
    }

    private static double number(Properties p, String key) {
        try {
            return Double.parseDouble(required(p, key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("load result: '" + key + "' is not a number: " + p.getProperty(key), e);
        }
    }

    private static String required(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalArgumentException("load result has no '" + key + "'");
        }
        return v.trim();
    }
}
