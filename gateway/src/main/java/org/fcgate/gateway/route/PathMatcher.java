package org.fcgate.gateway.route;

import java.util.Set;
import java.util.regex.Pattern;
import org.fcgate.gateway.path.RequestPath;

/** Which decoded, normalised paths a route takes. */
public sealed interface PathMatcher {

    boolean matches(RequestPath path);

    /** Paths that start with {@code prefix} (a plain string prefix, like an nginx prefix location). */
    record Prefix(String prefix) implements PathMatcher {
        public Prefix {
            if (!prefix.startsWith("/")) {
                throw new IllegalArgumentException("route prefix '" + prefix + "' must start with '/'");
            }
        }

        @Override
        public boolean matches(RequestPath path) {
            return path.value().startsWith(prefix);
        }
    }

    /** Paths in which {@code pattern} is found ({@link java.util.regex.Matcher#find()}). */
    record Regex(Pattern pattern) implements PathMatcher {
        @Override
        public boolean matches(RequestPath path) {
            return pattern.matcher(path.value()).find();
        }
    }

    /**
     * Paths with a segment ending in one of the extensions, so {@code /app.php/extra} (PATH_INFO) matches
     * {@code .php} like nginx's {@code \.php(/|$)}. Case-sensitive, as file names are.
     */
    record Extension(Set<String> extensions) implements PathMatcher {
        public Extension {
            extensions = Set.copyOf(extensions);
            for (String e : extensions) {
                if (!e.startsWith(".") || e.length() < 2) {
                    throw new IllegalArgumentException("extension '" + e + "' must look like '.php'");
                }
            }
        }

        @Override
        public boolean matches(RequestPath path) {
            for (String segment : path.segments()) {
                for (String e : extensions) {
                    if (segment.endsWith(e)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }
}
