package org.fcgate.gateway.accesslog;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The logging options of one gateway: YAML {@code access_log: {path, format}} and {@code slow_request_timeout};
 * {@code serve --access-log}, {@code --access-log-format}, {@code --slow-request-timeout}.
 *
 * @param destination        default {@code stdout}
 * @param format             default {@code combined}
 * @param slowRequestTimeout default off (empty)
 */
public record AccessLogOptions(AccessLogDestination destination, AccessLogFormat format,
                               Optional<Duration> slowRequestTimeout) {

    public AccessLogOptions {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(slowRequestTimeout, "slowRequestTimeout");
    }

    /** stdout, combined, no slow log. */
    public static AccessLogOptions defaults() {
        return new AccessLogOptions(new AccessLogDestination.Stdout(), AccessLogFormat.COMBINED, Optional.empty());
    }

    /** Nothing logged (tests, embedding). */
    public static AccessLogOptions off() {
        return new AccessLogOptions(new AccessLogDestination.Off(), AccessLogFormat.COMBINED, Optional.empty());
    }

    /** {@code stdout}, {@code off} or a path ({@code baseDir}-relative); {@link IllegalArgumentException} if blank. */
    public AccessLogOptions withDestination(String value, Path baseDir) {
        return new AccessLogOptions(AccessLogDestination.parse(value, baseDir), format, slowRequestTimeout);
    }

    public AccessLogOptions withFormat(AccessLogFormat f) {
        return new AccessLogOptions(destination, f, slowRequestTimeout);
    }

    /** A zero duration turns the slow log off. */
    public AccessLogOptions withSlowRequestTimeout(Duration d) {
        return new AccessLogOptions(destination, format, d.isZero() ? Optional.empty() : Optional.of(d));
    }
}
