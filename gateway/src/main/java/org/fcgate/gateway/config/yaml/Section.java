package org.fcgate.gateway.config.yaml;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * One YAML mapping of the schema, read key by key. Keys outside the section's list are reported on construction
 * (unknown keys are errors, with their path). A getter that meets a bad value reports it and returns the default, so
 * reading goes on and one pass finds every error; {@link #failed(String)} tells which keys were bad, so checks that
 * combine keys do not pile a second error onto a value already refused.
 */
final class Section {

    private final JsonNode node;
    private final String path;
    private final Problems problems;
    private final List<String> keys;
    private final Set<String> failed = new HashSet<>();

    private Section(JsonNode node, String path, List<String> keys, Problems problems) {
        this.node = node;
        this.path = path;
        this.keys = keys;
        this.problems = problems;
        node.fieldNames().forEachRemaining(k -> {
            if (!keys.contains(k)) {
                problems.missing(join(path, k), "unknown key (known: " + String.join(", ", keys) + ")");
            }
        });
    }

    /** The mapping at {@code path}, or empty after reporting that it is not one. */
    static Optional<Section> of(JsonNode node, String path, List<String> keys, Problems problems) {
        if (node == null || !node.isObject()) {
            problems.add(path, node, "must be a mapping of " + String.join(", ", keys));
            return Optional.empty();
        }
        return Optional.of(new Section(node, path, keys, problems));
    }

    String path() {
        return path;
    }

    String path(String key) {
        requireKnown(key);
        return join(path, key);
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    boolean has(String key) {
        requireKnown(key);
        return node.has(key) && !node.get(key).isNull();
    }

    JsonNode raw(String key) {
        requireKnown(key);
        return node.get(key);
    }

    boolean failed(String key) {
        return failed.contains(key);
    }

    boolean anyFailed() {
        return !failed.isEmpty();
    }

    /** Reports that a required key is missing. */
    void missing(String key, String reason) {
        failed.add(key);
        problems.missing(path(key), reason);
    }

    /** Keys whose values were refused (or are missing though required). */
    Set<String> failedKeys() {
        return Set.copyOf(failed);
    }

    /** Reports a problem with {@code key}'s value (a check across keys, done by the caller). */
    void refuse(String key, String reason) {
        failed.add(key);
        problems.add(path(key), raw(key), reason);
    }

    Problems problems() {
        return problems;
    }

    Optional<String> string(String key) {
        return scalar(key, "must be a string", n -> n.isTextual() ? n.textValue() : null);
    }

    String string(String key, String dflt) {
        return string(key).orElse(dflt);
    }

    int integer(String key, int dflt) {
        return scalar(key, "must be a whole number", n -> {
            if (!n.isIntegralNumber()) {
                return null;
            }
            if (!n.canConvertToInt()) {
                throw new IllegalArgumentException("is out of range (at most " + Integer.MAX_VALUE + ")");
            }
            return n.intValue();
        }).orElse(dflt);
    }

    Optional<Integer> integer(String key) {
        return has(key) ? Optional.of(integer(key, 0)).filter(v -> !failed(key)) : Optional.empty();
    }

    boolean flag(String key, boolean dflt) {
        return scalar(key, "must be on or off", n -> {
            if (n.isBoolean()) {
                return n.booleanValue();
            }
            // nginx writes on/off; YAML 1.1 also yes/no.
            return n.isTextual() ? switch (n.textValue().toLowerCase(Locale.ROOT)) {
                case "on", "yes", "true" -> Boolean.TRUE;
                case "off", "no", "false" -> Boolean.FALSE;
                default -> null;
            } : null;
        }).orElse(dflt);
    }

    Duration duration(String key, Duration dflt) {
        return scalar(key, "is not a duration like 500ms, 30s, 5m, 1h",
                n -> n.isTextual() || n.isIntegralNumber() ? Units.duration(n.asText()) : null).orElse(dflt);
    }

    long size(String key, long dflt) {
        return scalar(key, "is not a size like 512, 64k, 10m, 1g",
                n -> n.isTextual() || n.isIntegralNumber() ? Units.size(n.asText()) : null).orElse(dflt);
    }

    /** A size that has to fit an {@code int}. */
    int intSize(String key, int dflt) {
        long v = size(key, dflt);
        if (v > Integer.MAX_VALUE) {
            refuse(key, "is too large (at most " + Integer.MAX_VALUE + " bytes)");
            return dflt;
        }
        return (int) v;
    }

    /** An enum constant written in lower case. */
    <E extends Enum<E>> E choice(String key, Class<E> type, E dflt) {
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        return scalar(key, "must be one of " + String.join(", ", names), n -> {
            if (!n.isTextual()) {
                return null;
            }
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(n.textValue())) {
                    return e;
                }
            }
            return null;
        }).orElse(dflt);
    }

    /** A list of strings; a single string is a list of one. */
    Optional<List<String>> strings(String key) {
        if (!has(key)) {
            return Optional.empty();
        }
        JsonNode n = raw(key);
        List<String> out = new ArrayList<>();
        if (n.isTextual()) {
            out.add(n.textValue());
            return Optional.of(out);
        }
        if (n.isArray()) {
            boolean ok = true;
            for (int i = 0; i < n.size(); i++) {
                if (n.get(i).isTextual()) {
                    out.add(n.get(i).textValue());
                } else {
                    problems.add(path(key) + "[" + i + "]", n.get(i), "must be a string");
                    ok = false;
                }
            }
            if (ok) {
                return Optional.of(out);
            }
            failed.add(key);
            return Optional.empty();
        }
        refuse(key, "must be a string or a list of strings");
        return Optional.empty();
    }

    /** A mapping of names to scalar strings (numbers and flags are taken as written), in file order. */
    Map<String, String> stringMap(String key) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!has(key)) {
            return out;
        }
        JsonNode n = raw(key);
        if (!n.isObject()) {
            refuse(key, "must be a mapping of NAME: value");
            return out;
        }
        n.fields().forEachRemaining(e -> {
            if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                out.put(e.getKey(), e.getValue().asText());
            } else if (e.getValue().isNull()) {
                out.put(e.getKey(), "");
            } else {
                failed.add(key);
                problems.add(path(key) + "." + e.getKey(), e.getValue(), "must be a string");
            }
        });
        return out;
    }

    /** A mapping of names to mappings (pools, fastcgi_servers), in file order; empty if absent. */
    Map<String, JsonNode> namedMappings(String key) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (!has(key)) {
            return out;
        }
        JsonNode n = raw(key);
        if (!n.isObject()) {
            refuse(key, "must be a mapping of NAME: {...}");
            return out;
        }
        n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    private <T> Optional<T> scalar(String key, String typeError, Function<JsonNode, T> convert) {
        if (!has(key)) {
            return Optional.empty();
        }
        JsonNode n = raw(key);
        try {
            T v = convert.apply(n);
            if (v == null) {
                refuse(key, typeError);
            }
            return Optional.ofNullable(v);
        } catch (IllegalArgumentException e) {
            refuse(key, e.getMessage());
            return Optional.empty();
        }
    }

    private void requireKnown(String key) {
        if (!keys.contains(key)) {
            throw new IllegalStateException("key '" + key + "' is not declared for " + path);
        }
    }
}
