package org.fcgate.gateway.config.yaml;

import java.util.List;

/** A configuration file with errors; {@link #problems()} holds every one found, in file order where possible. */
public final class InvalidConfigException extends Exception {

    private final List<ConfigProblem> problems;

    public InvalidConfigException(List<ConfigProblem> problems) {
        super(problems.size() + " configuration error" + (problems.size() == 1 ? "" : "s") + ": "
                + String.join("; ", problems.stream().map(ConfigProblem::toString).toList()));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("no problems");
        }
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }

    /** One line per problem, as {@code fcgate check} prints them. */
    public List<String> lines() {
        return problems.stream().map(ConfigProblem::toString).toList();
    }
}
