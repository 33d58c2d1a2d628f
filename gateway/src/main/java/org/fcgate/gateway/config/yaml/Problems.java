package org.fcgate.gateway.config.yaml;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Collects every problem of one load, so a single pass reports them all. */
final class Problems {

    private final List<ConfigProblem> list = new ArrayList<>();

    void add(String path, JsonNode value, String reason) {
        list.add(new ConfigProblem(path, Optional.ofNullable(value).map(Problems::show), reason));
    }

    void add(String path, String shownValue, String reason) {
        list.add(new ConfigProblem(path, Optional.ofNullable(shownValue), reason));
    }

    void missing(String path, String reason) {
        list.add(new ConfigProblem(path, Optional.empty(), reason));
    }

    int size() {
        return list.size();
    }

    List<ConfigProblem> all() {
        return List.copyOf(list);
    }

    /** A value as the user wrote it: strings quoted, numbers and flags bare, lists and maps in flow style. */
    static String show(JsonNode value) {
        if (value.isTextual()) {
            return quote(value.textValue());
        }
        if (value.isValueNode()) {
            return value.asText();
        }
        return value.toString();
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
