package org.fcgate.gateway.accesslog;

import java.nio.file.Path;

/** Where access-log lines go: nowhere, the process's stdout, or a file (appended to, created when missing). */
public sealed interface AccessLogDestination {

    record Off() implements AccessLogDestination {
    }

    record Stdout() implements AccessLogDestination {
    }

    record File(Path path) implements AccessLogDestination {
    }

    /** {@code off}, {@code stdout}, or a file path resolved against {@code baseDir}. */
    static AccessLogDestination parse(String value, Path baseDir) {
        return switch (value) {
            case "off" -> new Off();
            case "stdout" -> new Stdout();
            default -> {
                if (value.isBlank()) {
                    throw new IllegalArgumentException("must be stdout, off or a file path");
                }
                yield new File(baseDir.resolve(value).toAbsolutePath().normalize());
            }
        };
    }
}
