package org.fcgate.gateway.config.yaml;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.fcgate.gateway.config.Cidr;
import org.fcgate.gateway.config.FastCgiOptions;
import org.fcgate.gateway.config.GatewayDefaults;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.route.PathMatcher;
import org.fcgate.gateway.route.Route;

/**
 * {@code routes[i]}: a {@code match} and exactly one of {@code static}, {@code fastcgi}, {@code proxy}, like an nginx
 * {@code location} with its content handler. Roots, index files and try-files default to the top-level keys.
 */
final class RouteSection {

    static final List<String> KEYS = List.of("match", "static", "fastcgi", "proxy");
    static final List<String> MATCH_KEYS = List.of("prefix", "regex", "extension");
    static final List<String> STATIC_KEYS = List.of("root", "index", "try_files");
    static final List<String> FASTCGI_KEYS = List.of("upstream", "root", "script_extensions", "index", "try_files",
            "params", "request_buffering", "response_buffering", "trusted_proxies");
    static final List<String> PROXY_KEYS = List.of("pass");

    /** The only try_files order fcgate implements: the file, the directory's index, then the fallback. */
    static final List<String> TRY_FILES_DEFAULT = List.of("$uri", "$uri/", "=404");

    /** What routes inherit from the top level, and how roots are opened (each distinct root once). */
    static final class Context {
        private final Optional<Path> root;
        private final List<String> index;
        private final boolean allowSymlinksOutside;
        private final boolean denyDotfiles;
        private final Set<String> upstreamNames;
        private final Path baseDir;
        private final RootOpener opener;
        private final StaticOptions staticOptions;
        private final Map<Path, Optional<DocumentRoot>> opened = new HashMap<>();

        Context(Optional<Path> root, List<String> index, boolean allowSymlinksOutside, boolean denyDotfiles,
                Set<String> upstreamNames, Path baseDir, RootOpener opener, StaticOptions staticOptions) {
            this.root = root;
            this.index = index;
            this.allowSymlinksOutside = allowSymlinksOutside;
            this.denyDotfiles = denyDotfiles;
            this.upstreamNames = upstreamNames;
            this.baseDir = baseDir;
            this.opener = opener;
            this.staticOptions = staticOptions;
        }
    }

    private RouteSection() {
    }

    static Optional<Route> read(JsonNode node, String path, Context ctx, Problems problems) {
        Optional<Section> section = Section.of(node, path, KEYS, problems);
        if (section.isEmpty()) {
            return Optional.empty();
        }
        Section s = section.get();
        int before = problems.size();
        Optional<PathMatcher> matcher = matcher(s, problems);
        List<String> kinds = List.of("static", "fastcgi", "proxy").stream().filter(s::has).toList();
        if (kinds.size() != 1) {
            problems.missing(path, kinds.isEmpty() ? "needs one of static, fastcgi, proxy"
                    : "has " + String.join(" and ", kinds) + "; a route takes exactly one");
            return Optional.empty();
        }
        Optional<Route> route = switch (kinds.get(0)) {
            case "static" -> Section.of(s.raw("static"), s.path("static"), STATIC_KEYS, problems)
                    .flatMap(st -> staticRoute(st, matcher, ctx));
            case "fastcgi" -> Section.of(s.raw("fastcgi"), s.path("fastcgi"), FASTCGI_KEYS, problems)
                    .flatMap(f -> fastCgiRoute(f, matcher, ctx));
            default -> Section.of(s.raw("proxy"), s.path("proxy"), PROXY_KEYS, problems)
                    .flatMap(p -> proxyRoute(p, matcher));
        };
        return problems.size() == before ? route : Optional.empty();
    }

    private static Optional<PathMatcher> matcher(Section route, Problems problems) {
        if (!route.has("match")) {
            route.missing("match", "is required: one of prefix, regex, extension");
            return Optional.empty();
        }
        Optional<Section> section = Section.of(route.raw("match"), route.path("match"), MATCH_KEYS, problems);
        if (section.isEmpty()) {
            return Optional.empty();
        }
        Section m = section.get();
        List<String> given = MATCH_KEYS.stream().filter(m::has).toList();
        if (given.size() != 1) {
            problems.missing(m.path(), given.isEmpty() ? "needs one of prefix, regex, extension"
                    : "has " + String.join(" and ", given) + "; a match takes exactly one");
            return Optional.empty();
        }
        switch (given.get(0)) {
            case "prefix" -> {
                Optional<String> prefix = m.string("prefix");
                if (prefix.isPresent() && !prefix.get().startsWith("/")) {
                    m.refuse("prefix", "must start with '/'");
                    return Optional.empty();
                }
                return prefix.map(PathMatcher.Prefix::new);
            }
            case "regex" -> {
                Optional<String> regex = m.string("regex");
                try {
                    return regex.map(r -> new PathMatcher.Regex(Pattern.compile(r)));
                } catch (PatternSyntaxException e) {
                    m.refuse("regex", "is not a valid regular expression: " + e.getDescription() + " near index "
                            + e.getIndex());
                    return Optional.empty();
                }
            }
            default -> {
                return extensions(m, "extension").map(PathMatcher.Extension::new);
            }
        }
    }

    private static Optional<Route> staticRoute(Section st, Optional<PathMatcher> matcher, Context ctx) {
        Optional<DocumentRoot> root = root(st, ctx);
        List<String> index = st.strings("index").orElse(ctx.index);
        Optional<String> front = tryFiles(st);
        if (matcher.isEmpty() || root.isEmpty() || st.anyFailed()) {
            return Optional.empty();
        }
        return Optional.of(new Route.Static(matcher.get(), root.get(), index, front));
    }

    private static Optional<Route> fastCgiRoute(Section f, Optional<PathMatcher> matcher, Context ctx) {
        Optional<String> upstream = f.string("upstream");
        if (!f.has("upstream")) {
            f.missing("upstream", "is required: the name of a pool or fastcgi_server");
        } else if (upstream.isPresent() && !ctx.upstreamNames.contains(upstream.get())) {
            f.refuse("upstream", "names no pool or fastcgi_server"
                    + (ctx.upstreamNames.isEmpty() ? " (none are defined)"
                    : " (defined: " + String.join(", ", ctx.upstreamNames) + ")"));
        }
        Optional<DocumentRoot> root = root(f, ctx);
        Set<String> extensions = f.has("script_extensions") ? extensions(f, "script_extensions").orElse(Set.of())
                : GatewayDefaults.SCRIPT_EXTENSIONS;
        List<String> index = f.strings("index").orElse(GatewayDefaults.FASTCGI_INDEX_FILES);
        Optional<String> front = tryFiles(f);
        Map<String, String> params = f.stringMap("params");
        for (String name : params.keySet()) {
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                f.problems().missing(f.path("params") + "." + name, "is not a valid parameter name");
            } else if (name.equals("HTTP_PROXY")) {
                f.problems().missing(f.path("params") + "." + name,
                        "is refused: scripts would take it for a proxy setting (httpoxy, CVE-2016-5385)");
            }
        }
        boolean requestBuffering = f.flag("request_buffering", GatewayDefaults.FASTCGI_REQUEST_BUFFERING);
        boolean responseBuffering = f.flag("response_buffering", GatewayDefaults.FASTCGI_RESPONSE_BUFFERING);
        List<String> proxyTexts = f.strings("trusted_proxies").orElse(List.of());
        List<Cidr> proxies = new ArrayList<>();
        for (int i = 0; i < proxyTexts.size(); i++) {
            try {
                proxies.add(Cidr.parse(proxyTexts.get(i)));
            } catch (IllegalArgumentException e) {
                String at = f.raw("trusted_proxies").isArray() ? f.path("trusted_proxies") + "[" + i + "]"
                        : f.path("trusted_proxies");
                f.problems().add(at, Problems.quote(proxyTexts.get(i)), e.getMessage());
            }
        }
        if (matcher.isEmpty() || root.isEmpty() || upstream.isEmpty() || f.anyFailed()
                || proxies.size() != proxyTexts.size()) {
            return Optional.empty();
        }
        return Optional.of(new Route.FastCgi(matcher.get(), root.get(), extensions, upstream.get(),
                new FastCgiOptions(params, requestBuffering, responseBuffering, index, front, proxies)));
    }

    private static Optional<Route> proxyRoute(Section p, Optional<PathMatcher> matcher) {
        if (!p.has("pass")) {
            p.missing("pass", "is required: http://host:port/");
            return Optional.empty();
        }
        Optional<String> pass = p.string("pass");
        Optional<URI> target = Optional.empty();
        if (pass.isPresent()) {
            try {
                URI uri = new URI(pass.get());
                if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                    p.refuse("pass", "must be an http:// or https:// URL with a host");
                } else {
                    target = Optional.of(uri);
                }
            } catch (URISyntaxException e) {
                p.refuse("pass", "is not a URL: " + e.getReason());
            }
        }
        if (matcher.isEmpty() || target.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Route.Proxy(matcher.get(), target.get()));
    }

    private static Optional<Set<String>> extensions(Section s, String key) {
        Optional<List<String>> list = s.strings(key);
        if (list.isEmpty()) {
            return Optional.empty();
        }
        if (list.get().isEmpty()) {
            s.refuse(key, "must list at least one extension");
            return Optional.empty();
        }
        for (String e : list.get()) {
            if (!e.startsWith(".") || e.length() < 2 || e.indexOf('/') >= 0) {
                s.refuse(key, "must be extensions like .php (" + Problems.quote(e) + " is not one)");
                return Optional.empty();
            }
        }
        return Optional.of(new LinkedHashSet<>(list.get()));
    }

    /** The front controller, if try_files ends with one; refuses orders fcgate does not implement. */
    private static Optional<String> tryFiles(Section s) {
        Optional<List<String>> list = s.strings("try_files");
        if (list.isEmpty()) {
            return Optional.empty();
        }
        List<String> t = list.get();
        boolean shape = t.size() == 3 && t.get(0).equals("$uri") && t.get(1).equals("$uri/");
        String last = t.isEmpty() ? "" : t.get(t.size() - 1);
        if (!shape || !(last.equals("=404") || (last.startsWith("/") && !last.contains("$")))) {
            s.refuse("try_files", "must be [$uri, $uri/, =404] or [$uri, $uri/, /front-controller.php]"
                    + " (the order fcgate implements)");
            return Optional.empty();
        }
        return last.equals("=404") ? Optional.empty() : Optional.of(last);
    }

    private static Optional<DocumentRoot> root(Section s, Context ctx) {
        Optional<Path> dir = s.has("root") ? s.string("root").map(ctx.baseDir::resolve) : ctx.root;
        if (dir.isEmpty()) {
            if (!s.has("root")) {
                s.missing("root", "is required here (no top-level root to inherit)");
            }
            return Optional.empty();
        }
        Path normalized = dir.get().normalize();
        return ctx.opened.computeIfAbsent(normalized, d -> {
            try {
                return Optional.of(ctx.opener.open(d, ctx.allowSymlinksOutside, ctx.denyDotfiles).withOpenFileCache(
                        ctx.staticOptions.openFileCacheValid(), ctx.staticOptions.openFileCacheMax()));
            } catch (IOException e) {
                String where = s.has("root") ? s.path("root") : "root";
                s.problems().add(where, Problems.quote(d.toString()), "cannot be opened: " + e.getMessage());
                return Optional.empty();
            }
        });
    }
}
