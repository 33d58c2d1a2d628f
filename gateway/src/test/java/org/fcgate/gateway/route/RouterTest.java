package org.fcgate.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.fcgate.gateway.config.FastCgiOptions;
import org.fcgate.gateway.error.Reason;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.path.RequestPath;
import org.fcgate.gateway.support.TestSite;
import org.fcgate.gateway.upstream.Upstreams;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouterTest {

    @TempDir
    static Path dir;
    static Router router;

    @BeforeAll
    static void routes() throws Exception {
        TestSite.create(dir);
        DocumentRoot root = DocumentRoot.open(dir, false, true);
        router = new Router(List.of(
                new Route.Proxy(new PathMatcher.Regex(Pattern.compile("^/api/")), URI.create("http://backend")),
                new Route.FastCgi(new PathMatcher.Extension(Set.of(".php")), root, Set.of(".php"), "php"),
                new Route.Static(new PathMatcher.Prefix("/"), root, List.of("index.html", "index.php"),
                        Optional.of("/index.php"))), Upstreams.none());
    }

    private static Dispatch dispatch(String path) throws Exception {
        return router.dispatch(RequestPath.decode(path));
    }

    @Test
    void tryFilesFileThenIndexThenFrontController() throws Exception {
        assertThat(dispatch("/a.txt")).isInstanceOf(Dispatch.ServeFile.class);
        assertThat(((Dispatch.ServeFile) dispatch("/docs/")).file().realPath().toString()).endsWith("docs/index.html");
        Dispatch missing = dispatch("/no/such/page");
        assertThat(missing).isInstanceOf(Dispatch.Forward.class);
        assertThat(((Dispatch.Forward) missing).script().scriptName()).isEqualTo("/index.php");
        assertThat(((Dispatch.Forward) missing).upstream().name()).isEqualTo("php");
    }

    @Test
    void indexFileClaimedByAnotherRouteIsReRouted() throws Exception {
        // /sub/ has no index.html; index.php is absent too, so the front controller runs.
        assertThat(dispatch("/sub/")).isInstanceOf(Dispatch.Forward.class);
        assertThat(dispatch("/sub")).isEqualTo(new Dispatch.AddSlash("/sub/"));
    }

    @Test
    void deniedPathsAndProxySeam() throws Exception {
        assertThat(dispatch("/.env")).isEqualTo(new Dispatch.Refuse(Reason.DENIED_PATH));
        assertThat(dispatch("/api/x")).isEqualTo(new Dispatch.Refuse(Reason.PROXY_NOT_IMPLEMENTED));
        assertThat(dispatch("/nope.php")).isEqualTo(new Dispatch.Refuse(Reason.NOT_FOUND));
    }

    @Test
    void fastCgiRouteTriesItsIndexThenItsFrontController(@TempDir Path site) throws Exception {
        java.nio.file.Files.createDirectories(site.resolve("app/empty"));
        java.nio.file.Files.writeString(site.resolve("app/index.php"), "<?php");
        java.nio.file.Files.writeString(site.resolve("front.php"), "<?php");
        DocumentRoot root = DocumentRoot.open(site, false, true);
        FastCgiOptions options = new FastCgiOptions(java.util.Map.of(), true, true, List.of("index.php"),
                Optional.of("/front.php"), List.of());
        Router r = new Router(List.of(new Route.FastCgi(new PathMatcher.Prefix("/"), root, Set.of(".php"), "php",
                options)), Upstreams.none());

        Dispatch index = r.dispatch(RequestPath.decode("/app/"));
        assertThat(((Dispatch.Forward) index).script().scriptName()).isEqualTo("/app/index.php");
        assertThat(((Dispatch.Forward) index).path().value()).isEqualTo("/app/index.php");
        Dispatch front = r.dispatch(RequestPath.decode("/app/empty/"));
        assertThat(((Dispatch.Forward) front).script().scriptName()).isEqualTo("/front.php");
        assertThat(((Dispatch.Forward) r.dispatch(RequestPath.decode("/no/such.php"))).script().scriptName())
                .isEqualTo("/front.php");

        Router noFallback = new Router(List.of(new Route.FastCgi(new PathMatcher.Prefix("/"), root, Set.of(".php"),
                "php", FastCgiOptions.defaults())), Upstreams.none());
        assertThat(noFallback.dispatch(RequestPath.decode("/app/empty/")))
                .isEqualTo(new Dispatch.Refuse(Reason.NOT_FOUND));
    }
}
