package org.fcgate.fcgi.sample;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Parses {@code a=b&c=d} (application/x-www-form-urlencoded, UTF-8); a repeated name keeps its last value. */
final class QueryString {

    private final Map<String, String> values;

    private QueryString(Map<String, String> values) {
        this.values = values;
    }

    static QueryString parse(String query) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String part : query.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String name = eq < 0 ? part : part.substring(0, eq);
            String value = eq < 0 ? "" : part.substring(eq + 1);
            values.put(decode(name), decode(value));
        }
        return new QueryString(values);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    String get(String name) {
        return values.get(name);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** The value as a number in {@code min..max}; {@link IllegalArgumentException} otherwise (the app answers 500). */
    long number(String name, long min, long max) {
        String v = values.get(name);
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + v + "'", e);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", got " + n);
        }
        return n;
    }
}
