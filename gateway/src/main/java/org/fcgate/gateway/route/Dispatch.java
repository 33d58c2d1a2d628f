package org.fcgate.gateway.route;

import java.nio.file.Path;
import org.fcgate.gateway.error.Reason;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.path.RequestPath;
import org.fcgate.gateway.path.ScriptResolver;
import org.fcgate.gateway.upstream.Upstream;

/** What the router decided for a request path. */
public sealed interface Dispatch {

    /** Serve this regular file. */
    record ServeFile(DocumentRoot.Lookup.RegularFile file) implements Dispatch { }

    /** A directory was asked for without its trailing slash: 301 to {@code location} (path only, query appended). */
    record AddSlash(String location) implements Dispatch { }

    /**
     * Run {@code script} on {@code upstream}; {@code path} is the routed path (after any try-files rewrite);
     * {@code documentRoot} is the route's real root (DOCUMENT_ROOT).
     */
    record Forward(Upstream upstream, RequestPath path, ScriptResolver.Script script, Path documentRoot)
            implements Dispatch { }

    /** Answer with an error status. */
    record Refuse(Reason reason) implements Dispatch { }
}
