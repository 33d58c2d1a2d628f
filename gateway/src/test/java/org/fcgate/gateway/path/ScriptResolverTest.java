package org.fcgate.gateway.path;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.fcgate.gateway.support.TestSite;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScriptResolverTest {

    @TempDir
    static Path dir;
    static ScriptResolver resolver;

    @BeforeAll
    static void site() throws Exception {
        TestSite.create(dir);
        Files.writeString(dir.resolve(".hidden.php"), "<?php");
        resolver = new ScriptResolver(DocumentRoot.open(dir, false, true), Set.of(".php"));
    }

    private static Optional<ScriptResolver.Script> resolve(String path) throws Exception {
        return resolver.resolve(RequestPath.decode(path));
    }

    @Test
    void scriptWithPathInfo() throws Exception {
        ScriptResolver.Script s = resolve("/sub/test.php/foo/bar").orElseThrow();
        assertThat(s.scriptName()).isEqualTo("/sub/test.php");
        assertThat(s.scriptFilename()).isEqualTo(dir.toRealPath().resolve("sub/test.php"));
        assertThat(s.pathInfo()).isEqualTo("/foo/bar");
    }

    @Test
    void scriptWithoutPathInfoAndWithTrailingSlash() throws Exception {
        assertThat(resolve("/sub/test.php").orElseThrow().pathInfo()).isEmpty();
        assertThat(resolve("/sub/test.php/x/").orElseThrow().pathInfo()).isEqualTo("/x/");
    }

    @Test
    void R25_uploadFollowedByPhpIsNoScript() throws Exception {
        assertThat(resolve("/uploads/avatar.jpg/x.php")).isEmpty();
        assertThat(resolve("/uploads/avatar.jpg.php")).isEmpty();
    }

    @Test
    void R25_symlinkNamedPhpToNonScriptIsNoScript() throws Exception {
        assertThat(resolve("/uploads/evil.php")).isEmpty();
    }

    @Test
    void R32_missingScriptDotfileAndDirectoryAreNoScript() throws Exception {
        assertThat(resolve("/nope.php")).isEmpty();
        assertThat(resolve("/sub/nope.php/x")).isEmpty();
        assertThat(resolve("/.hidden.php")).isEmpty();
        assertThat(resolve("/sub/")).isEmpty();
    }
}
