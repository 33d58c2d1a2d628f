package org.fcgate.gateway.route;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.fcgate.gateway.config.FastCgiOptions;
import org.fcgate.gateway.path.DocumentRoot;

/** One entry of the ordered route table: what it matches and where matching requests go. */
public sealed interface Route {

    PathMatcher matcher();

    /**
     * Files under a document root. try-files order: the file itself; for a directory, the index files in order (an
     * index file that another route claims, such as {@code index.php}, is re-routed); then the front controller,
     * if any, re-routed as a new path (e.g. {@code /index.php}); otherwise 404.
     */
    record Static(PathMatcher matcher, DocumentRoot root, List<String> indexFiles,
                  Optional<String> frontController) implements Route {
        public Static {
            indexFiles = List.copyOf(indexFiles);
            frontController.ifPresent(f -> {
                if (!f.startsWith("/")) {
                    throw new IllegalArgumentException("front controller '" + f + "' must start with '/'");
                }
            });
        }
    }

    /**
     * Scripts run by a FastCGI upstream, named for the {@link org.fcgate.gateway.upstream.Upstreams} registry. The
     * script must exist under {@code root} with an allowed extension before anything is dispatched. {@code options}
     * are for the forwarder (params, buffering, index, front controller, trusted proxies).
     */
    record FastCgi(PathMatcher matcher, DocumentRoot root, Set<String> scriptExtensions, String upstream,
                   FastCgiOptions options) implements Route {
        public FastCgi {
            scriptExtensions = Set.copyOf(scriptExtensions);
            Objects.requireNonNull(options, "options");
        }

        /** A route with {@link FastCgiOptions#defaults()}. */
        public FastCgi(PathMatcher matcher, DocumentRoot root, Set<String> scriptExtensions, String upstream) {
            this(matcher, root, scriptExtensions, upstream, FastCgiOptions.defaults());
        }
    }

    /** A reverse-proxy route: a seam only, answered 501 until the proxy issue. */
    record Proxy(PathMatcher matcher, URI target) implements Route { }
}
