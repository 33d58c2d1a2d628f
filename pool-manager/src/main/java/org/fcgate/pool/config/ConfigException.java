package org.fcgate.pool.config;

import java.util.List;

/** A pool configuration with one or more invalid keys; {@link #errors()} lists every one of them. */
public final class ConfigException extends IllegalArgumentException {
    private final List<String> errors;

    public ConfigException(List<String> errors) {
        super(String.join("; ", errors));
        this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
        return errors;
    }
}
