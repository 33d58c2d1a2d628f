package org.fcgate.bench.harness;

import java.util.Arrays;

/** Latencies of one client thread in nanoseconds, appended without boxing; merged and sorted at the end. */
final class Latencies {

    private long[] values = new long[1 << 16];
    private int size;

    void add(long nanos) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = nanos;
    }

    int size() {
        return size;
    }

    /** All of {@code parts} in one sorted array. */
    static long[] sorted(Iterable<Latencies> parts) {
        int n = 0;
        for (Latencies p : parts) {
            n += p.size;
        }
        long[] all = new long[n];
        int at = 0;
        for (Latencies p : parts) {
            System.arraycopy(p.values, 0, all, at, p.size);
            at += p.size;
        }
        Arrays.sort(all);
        return all;
    }

    /** The nearest-rank percentile ({@code p} in 0..100) of a sorted array, in microseconds; 0 when empty. */
    static double percentileMicros(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e3;
    }
}
