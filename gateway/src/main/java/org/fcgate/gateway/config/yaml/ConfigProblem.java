package org.fcgate.gateway.config.yaml;

import java.util.Optional;

/**
 * One error in a configuration file: the key path as written ({@code routes[2].fastcgi.upstream}), the value as
 * written (absent for a missing key), and why it is refused, with the bound where there is one.
 */
public record ConfigProblem(String path, Optional<String> value, String reason) {

    @Override
    public String toString() {
        return value.map(v -> path + " (" + v + ") " + reason).orElse(path + " " + reason);
    }
}
