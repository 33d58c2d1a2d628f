package org.fcgate.fcgi.params;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ordered, binary-safe list of FastCGI name-value pairs (§3.4): a request's PARAMS or a GET_VALUES body.
 *
 * <p>Names and values are bytes; the {@code String} views use UTF-8, the encoding the gateway writes. When a name
 * occurs twice, {@link #get} returns the last value, as PHP's {@code $_SERVER} does.
 */
public final class Params {

    /** One pair. The arrays are owned by the pair; callers must not modify them. */
    public record Pair(byte[] name, byte[] value) {
        public Pair {
            if (name == null || value == null) {
                throw new NullPointerException("name and value are required");
            }
        }

        public String nameString() {
            return new String(name, StandardCharsets.UTF_8);
        }

        public String valueString() {
            return new String(value, StandardCharsets.UTF_8);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Pair p && Arrays.equals(name, p.name) && Arrays.equals(value, p.value);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(name) + Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return nameString() + "=" + valueString();
        }
    }

    private static final Params EMPTY = new Params(List.of());

    private final List<Pair> pairs;

    private Params(List<Pair> pairs) {
        this.pairs = pairs;
    }

    public static Params empty() {
        return EMPTY;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Pairs from a map, in its iteration order. */
    public static Params of(Map<String, String> map) {
        Builder b = builder();
        map.forEach(b::add);
        return b.build();
    }

    public List<Pair> pairs() {
        return pairs;
    }

    public int size() {
        return pairs.size();
    }

    /** The last value of {@code name}, or {@code null}. */
    public String get(String name) {
        byte[] v = getBytes(name);
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    /** The last raw value of {@code name}, or {@code null}. */
    public byte[] getBytes(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        for (int i = pairs.size() - 1; i >= 0; i--) {
            Pair p = pairs.get(i);
            if (Arrays.equals(p.name, n)) {
                return p.value;
            }
        }
        return null;
    }

    /** A map view (last value wins), in first-occurrence order. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        for (Pair p : pairs) {
            m.put(p.nameString(), p.valueString());
        }
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Params p && pairs.equals(p.pairs);
    }

    @Override
    public int hashCode() {
        return pairs.hashCode();
    }

    @Override
    public String toString() {
        return pairs.toString();
    }

    /** Collects pairs in order. */
    public static final class Builder {
        private final List<Pair> pairs = new ArrayList<>();

        public Builder add(String name, String value) {
            return add(name.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
        }

        public Builder add(byte[] name, byte[] value) {
            pairs.add(new Pair(name, value));
            return this;
        }

        public Builder add(Pair pair) {
            pairs.add(pair);
            return this;
        }

        public int size() {
            return pairs.size();
        }

        public Params build() {
            return new Params(Collections.unmodifiableList(new ArrayList<>(pairs)));
        }
    }
}
