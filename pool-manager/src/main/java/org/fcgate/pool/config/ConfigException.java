package org.fcgate.pool.config;

import java.util.List;

/**
 * A pool configuration with one or more invalid keys; {@link #errors()} lists every one of them as text,
 * {@link #problems()} as parts, so a config file loader can report each under its own key path.
 */
public final class ConfigException extends IllegalArgumentException {
    private final List<String> errors;
    private final List<Problem> problems;

    /** One invalid key: {@code [pool php] max_spare_servers (12) cannot exceed max_children (10)}. */
    public record Problem(String pool, String key, String value, String reason) {
        @Override
        public String toString() {
            return "[pool " + pool + "] " + key + " (" + value + ") " + reason;
        }
    }

    public ConfigException(List<String> errors) {
        super(String.join("; ", errors));
        this.errors = List.copyOf(errors);
        this.problems = List.of();
    }

    /** Problems with their parts; {@link #errors()} holds their text. */
    public static ConfigException of(List<Problem> problems) {
        return new ConfigException(problems.stream().map(Problem::toString).toList(), problems);
    }

    private ConfigException(List<String> errors, List<Problem> problems) {
        super(String.join("; ", errors));
        this.errors = List.copyOf(errors);
        this.problems = List.copyOf(problems);
    }

    public List<String> errors() {
        return errors;
    }

    /** The errors with their parts; empty when built from text only. */
    public List<Problem> problems() {
        return problems;
    }
}
