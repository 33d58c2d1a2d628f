package org.fcgate.bench.harness;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value} options of the harness tools; every option is known in advance, an unknown one, a missing
 * value or a bad number is an {@link IllegalArgumentException} naming it.
 */
final class Args {

    private final Map<String, String> values = new HashMap<>();

    Args(String tool, String[] argv, Set<String> known, Set<String> flags) {
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--") || !(known.contains(a) || flags.contains(a))) {
                throw new IllegalArgumentException(tool + ": unknown option '" + a + "'; options: "
                        + List.copyOf(known) + " " + List.copyOf(flags));
            }
            if (flags.contains(a)) {
                values.put(a, "true");
            } else if (i + 1 < argv.length) {
                values.put(a, argv[++i]);
            } else {
                throw new IllegalArgumentException(tool + ": option " + a + " needs a value");
            }
        }
    }

    String required(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("option " + name + " is required");
        }
        return v;
    }

    String get(String name, String otherwise) {
        return values.getOrDefault(name, otherwise);
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    int integer(String name, int otherwise) {
        String v = values.get(name);
        if (v == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < 0) {
                throw new NumberFormatException("negative");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + name + " wants a whole number >= 0, not '" + v + "'", e);
        }
    }

    /** {@code 500ms}, {@code 10s}, {@code 2m}. */
    Duration duration(String name, Duration otherwise) {
        String v = values.get(name);
        return v == null ? otherwise : parseDuration(name, v);
    }

    static Duration parseDuration(String name, String v) {
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("option " + name + " wants a duration such as 500ms, 10s or 2m, not '"
                + v + "'");
    }
}
