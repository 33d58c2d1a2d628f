package org.fcgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Prometheus text exposition as the R70 runs read it: series → value, and the bounded-label check. */
final class Exposition {

    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private Exposition() {
    }

    /** Every sample line, keyed by its series (name and labels as written). */
    static Map<String, Double> parse(String exposition) {
        Map<String, Double> out = new HashMap<>();
        for (String line : exposition.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
        }
        return out;
    }

    /** No label value holds a path, a query or one of {@code pids} (bounded cardinality, R70). */
    static void assertBoundedLabels(Set<String> series, Set<String> pids) {
        for (String s : series) {
            Matcher lm = LABEL.matcher(s);
            while (lm.find()) {
                String value = lm.group(2);
                assertThat(value).as(s).doesNotContain("/").doesNotContain("?");
                assertThat(pids).as(s).doesNotContain(value);
            }
        }
    }
}
