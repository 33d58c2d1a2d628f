package org.fcgate.bench.harness;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The median of a few rounds with their min and max; a median of an even count is the mean of the middle two. */
record Spread(double median, double min, double max, int count) {

    static Spread of(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        int n = v.length;
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        return new Spread(median, v[0], v[n - 1], n);
    }

    /** {@code 12 203 (11 980..12 410)}, or the median alone for one round; {@code decimals} after the point. */
    String format(int decimals) {
        if (count == 1) {
            return number(median, decimals);
        }
        return number(median, decimals) + " (" + number(min, decimals) + "–" + number(max, decimals) + ")";
    }

    /** Groups of three digits separated by a thin space, as docs/benchmarks.md writes them. */
    static String number(double v, int decimals) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "–";
        }
        String s = String.format(Locale.ROOT, "%,." + decimals + "f", v);
        return s.replace(',', ' ');
    }
}
