package org.fcgate.gateway.route;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.fcgate.gateway.error.Reason;
import org.fcgate.gateway.error.RejectedException;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.path.RequestPath;
import org.fcgate.gateway.path.ScriptResolver;
import org.fcgate.gateway.upstream.Upstreams;

/**
 * Picks the first route whose matcher accepts the path and turns it into a {@link Dispatch}. Index files and the
 * front controller are internal re-routes through the whole table, bounded so a misconfiguration cannot loop.
 * Looks at the file system (stat, realpath) on the caller's thread, like nginx without open_file_cache.
 */
public final class Router {

    private static final int MAX_REROUTES = 3;

    private final List<Route> routes;
    private final Upstreams upstreams;

    public Router(List<Route> routes, Upstreams upstreams) {
        this.routes = List.copyOf(routes);
        this.upstreams = upstreams;
    }

    public Dispatch dispatch(RequestPath path) {
        return dispatch(path, 0);
    }

    private Dispatch dispatch(RequestPath path, int reroutes) {
        if (reroutes > MAX_REROUTES) {
            return new Dispatch.Refuse(Reason.NOT_FOUND);
        }
        for (Route route : routes) {
            if (route.matcher().matches(path)) {
                if (route instanceof Route.Static s) {
                    return serveStatic(s, path, reroutes);
                } else if (route instanceof Route.FastCgi f) {
                    return forward(f, path, reroutes);
                } else {
                    return new Dispatch.Refuse(Reason.PROXY_NOT_IMPLEMENTED);
                }
            }
        }
        return new Dispatch.Refuse(Reason.NOT_FOUND);
    }

    /**
     * try-files for a FastCGI route: the script itself; for a path ending in '/', the route's index scripts in order
     * (nginx fastcgi_index); then the front controller re-routed through the table; otherwise 404.
     */
    private Dispatch forward(Route.FastCgi route, RequestPath path, int reroutes) {
        ScriptResolver resolver = new ScriptResolver(route.root(), route.scriptExtensions());
        Optional<ScriptResolver.Script> script = resolver.resolve(path);
        if (script.isPresent()) {
            return forward(route, path, script.get());
        }
        if (path.trailingSlash()) {
            for (String index : route.options().indexFiles()) {
                List<String> segments = new ArrayList<>(path.segments());
                segments.add(index);
                RequestPath indexPath = RequestPath.of(segments, false);
                Optional<ScriptResolver.Script> indexScript = resolver.resolve(indexPath);
                if (indexScript.isPresent()) {
                    return forward(route, indexPath, indexScript.get());
                }
            }
        }
        if (route.options().frontController().isPresent()) {
            try {
                return dispatch(RequestPath.decode(route.options().frontController().get()), reroutes + 1);
            } catch (RejectedException e) {
                return new Dispatch.Refuse(Reason.NOT_FOUND);
            }
        }
        // R32: no dispatch, and the body does not say where the root is.
        return new Dispatch.Refuse(Reason.NOT_FOUND);
    }

    private Dispatch forward(Route.FastCgi route, RequestPath path, ScriptResolver.Script script) {
        return new Dispatch.Forward(upstreams.lookup(route), path, script, route.root().realRoot());
    }

    private Dispatch serveStatic(Route.Static route, RequestPath path, int reroutes) {
        DocumentRoot root = route.root();
        if (root.denies(path.segments())) {
            return new Dispatch.Refuse(Reason.DENIED_PATH);
        }
        DocumentRoot.Lookup found = root.lookup(path.segments());
        if (found instanceof DocumentRoot.Lookup.RegularFile file && !path.trailingSlash()) {
            return new Dispatch.ServeFile(file);
        }
        if (found instanceof DocumentRoot.Lookup.Directory) {
            if (!path.trailingSlash()) {
                return new Dispatch.AddSlash(path.value() + "/");
            }
            for (String index : route.indexFiles()) {
                List<String> segments = new ArrayList<>(path.segments());
                segments.add(index);
                DocumentRoot.Lookup indexFile = root.lookup(segments);
                if (indexFile instanceof DocumentRoot.Lookup.RegularFile) {
                    return dispatch(RequestPath.of(segments, false), reroutes + 1);
                }
            }
        }
        if (route.frontController().isPresent()) {
            try {
                return dispatch(RequestPath.decode(route.frontController().get()), reroutes + 1);
            } catch (RejectedException e) {
                return new Dispatch.Refuse(Reason.NOT_FOUND);
            }
        }
        return new Dispatch.Refuse(Reason.NOT_FOUND);
    }
}
