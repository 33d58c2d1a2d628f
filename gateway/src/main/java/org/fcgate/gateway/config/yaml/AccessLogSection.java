package org.fcgate.gateway.config.yaml;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.fcgate.gateway.accesslog.AccessLogFormat;
import org.fcgate.gateway.accesslog.AccessLogOptions;

/**
 * {@code access_log: {path: stdout|off|FILE, format: combined|json}} and the top-level {@code slow_request_timeout}
 * (php-fpm's {@code request_slowlog_timeout}; {@code 0} or absent: off). A relative path is resolved against the
 * file's directory; the file itself is opened when the gateway starts, not when the file is checked.
 */
final class AccessLogSection {

    static final List<String> KEYS = List.of("path", "format");

    private AccessLogSection() {
    }

    static AccessLogOptions read(Section top, Path baseDir) {
        AccessLogOptions options = AccessLogOptions.defaults();
        if (top.has("access_log")) {
            var section = Section.of(top.raw("access_log"), top.path("access_log"), KEYS, top.problems());
            if (section.isPresent()) {
                options = read(section.get(), baseDir, options);
            }
        }
        Duration slow = top.duration("slow_request_timeout", Duration.ZERO);
        if (slow.isNegative()) {
            top.refuse("slow_request_timeout", "cannot be negative");
            slow = Duration.ZERO;
        }
        return options.withSlowRequestTimeout(slow);
    }

    private static AccessLogOptions read(Section s, Path baseDir, AccessLogOptions options) {
        if (s.has("path") && s.raw("path").isBoolean() && !s.raw("path").booleanValue()) {
            options = options.withDestination("off", baseDir); // YAML 1.1 may read a bare off as false
        } else {
            String path = s.string("path", "stdout");
            try {
                options = options.withDestination(path, baseDir);
            } catch (IllegalArgumentException e) {
                s.refuse("path", e.getMessage());
            }
        }
        String format = s.string("format", "combined");
        try {
            options = options.withFormat(AccessLogFormat.parse(format));
        } catch (IllegalArgumentException e) {
            s.refuse("format", e.getMessage());
        }
        return options;
    }
}
