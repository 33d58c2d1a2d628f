package org.fcgate.gateway.admin;

import java.util.List;
import java.util.Objects;

/**
 * What a configuration reload did, as {@code POST /reload} and {@code fcgate reload} report it.
 *
 * @param result     applied, unchanged, rejected (the old configuration stays), or unavailable (no file to reload,
 *                   or the gateway is stopping)
 * @param generation the configuration generation in force afterwards (1: the one the gateway started with)
 * @param changes    one line per change applied ({@code pool php: new generation}), empty unless applied
 * @param warnings   what the file changes but a reload cannot ({@code listen}: needs a restart)
 * @param errors     why it was rejected or unavailable: every error of the file, with its key path
 */
public record ReloadOutcome(Result result, long generation, List<String> changes, List<String> warnings,
                            List<String> errors) {

    /** The kinds of outcome, each with its HTTP status. */
    public enum Result {
        APPLIED(200), UNCHANGED(200), REJECTED(422), UNAVAILABLE(409);

        private final int status;

        Result(int status) {
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    public ReloadOutcome {
        Objects.requireNonNull(result, "result");
        changes = List.copyOf(changes);
        warnings = List.copyOf(warnings);
        errors = List.copyOf(errors);
    }

    public static ReloadOutcome unavailable(long generation, String why) {
        return new ReloadOutcome(Result.UNAVAILABLE, generation, List.of(), List.of(), List.of(why));
    }

    /** The text answer: a first line with the result, then {@code change:}, {@code warning:}, {@code error:} lines. */
    public String text() {
        StringBuilder b = new StringBuilder();
        b.append(switch (result) {
            case APPLIED -> "reloaded: configuration generation " + generation;
            case UNCHANGED -> "unchanged: the file is the configuration in force (generation " + generation + ")";
            case REJECTED -> "rejected: " + errors.size() + " error" + (errors.size() == 1 ? "" : "s")
                    + "; still serving configuration generation " + generation;
            case UNAVAILABLE -> "not reloaded";
        }).append('\n');
        changes.forEach(c -> b.append("change: ").append(c).append('\n'));
        warnings.forEach(w -> b.append("warning: ").append(w).append('\n'));
        errors.forEach(e -> b.append("error: ").append(e).append('\n'));
        return b.toString();
    }
}
