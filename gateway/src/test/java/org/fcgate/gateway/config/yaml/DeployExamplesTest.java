package org.fcgate.gateway.config.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import org.fcgate.gateway.accesslog.AccessLogOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.fcgate.gateway.config.FastCgiAddress;
import org.fcgate.gateway.config.FastCgiOptions;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.GatewayDefaults;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.route.Route;
import org.fcgate.pool.config.PoolConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The files under deploy/ are documentation, so they are run: each loads with the real loader (document roots such
 * as /var/www/html are opened as a temp dir, after checking they are absolute), and the annotated fcgate.yaml
 * shows exactly the code's defaults and every key the loader knows.
 */
class DeployExamplesTest {

    private static final Path DEPLOY = Path.of("..", "deploy");
    private static final Path ANNOTATED = DEPLOY.resolve("fcgate.yaml");

    @TempDir
    Path stand;

    /** Roots the loader asked for, with the flags it passed. */
    private record Opened(Path dir, boolean allowSymlinksOutside, boolean denyDotfiles) { }

    private final List<Opened> opened = new ArrayList<>();

    private LoadedConfig load(Path file) throws InvalidConfigException {
        return ConfigLoader.withRootOpener((dir, symlinks, dotfiles) -> {
            assertThat(dir).as("roots in deploy/ are absolute").isAbsolute();
            opened.add(new Opened(dir, symlinks, dotfiles));
            return DocumentRoot.open(stand, symlinks, dotfiles);
        }).load(file);
    }

    static Stream<Path> deployFiles() throws Exception {
        try (Stream<Path> files = Files.walk(DEPLOY)) {
            // deploy/k8s/ holds Kubernetes manifests; its fcgate configurations are checked by KubernetesManifestsTest.
            List<Path> yaml = files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .filter(f -> !f.startsWith(DEPLOY.resolve("k8s")))
                    .sorted().toList();
            assertThat(yaml).contains(ANNOTATED, DEPLOY.resolve("examples/php-fpm.yaml"),
                    DEPLOY.resolve("examples/php-cgi.yaml"));
            return yaml.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("deployFiles")
    void everyDeployFileValidates(Path file) throws Exception {
        LoadedConfig c = load(file);
        assertThat(c.gateway().routes()).isNotEmpty();
    }

    @Test
    void annotatedFileShowsTheCodesDefaults() throws Exception {
        LoadedConfig c = load(ANNOTATED);
        GatewayConfig g = c.gateway();
        assertThat(g.listen()).isEqualTo(ListenAddress.defaults());
        assertThat(g.serverNames()).isEmpty();
        assertThat(g.limits()).isEqualTo(HttpLimits.defaults());
        assertThat(g.timeouts()).isEqualTo(Timeouts.defaults());
        assertThat(g.staticOptions()).isEqualTo(StaticOptions.defaults());
        assertThat(c.shutdown()).isEqualTo(org.fcgate.gateway.config.ShutdownOptions.defaults());
        assertThat(opened).extracting(Opened::allowSymlinksOutside, Opened::denyDotfiles)
                .containsOnly(tuple(GatewayDefaults.ALLOW_SYMLINKS_OUTSIDE_ROOT,
                        GatewayDefaults.DENY_DOTFILES));

        PoolConfig php = c.pools().get(0);
        assertThat(php).isEqualTo(PoolConfig.builder("php", php.command()).build());
        assertThat(g.upstream("php")).hasValue(new UpstreamConfig.ManagedPool("php", php));
        assertThat(c.externalServers()).containsExactly(UpstreamConfig.External.withDefaults("fpm",
                List.of(FastCgiAddress.parse("unix:/run/php/php8.2-fpm.sock"))));
        assertThat(c.externalServers().get(0).keepConn()).as("php-fpm safe default").isFalse();

        Route.FastCgi f = (Route.FastCgi) g.routes().get(1);
        assertThat(f.options()).isEqualTo(FastCgiOptions.defaults());
        assertThat(f.scriptExtensions()).isEqualTo(GatewayDefaults.SCRIPT_EXTENSIONS);
        Route.Static s = (Route.Static) g.routes().get(2);
        assertThat(s.indexFiles()).isEqualTo(GatewayDefaults.INDEX_FILES);
        assertThat(s.frontController()).isEmpty();
        assertThat(c.accessLog()).isEqualTo(AccessLogOptions.defaults());
        assertThat(c.admin()).as("admin listener off by default").isEqualTo(org.fcgate.gateway.admin.AdminConfig.off());
    }

    @Test
    void annotatedFileMentionsEveryKeyTheLoaderKnows() throws Exception {
        String text = Files.readString(ANNOTATED);
        List<String> keys = new ArrayList<>();
        for (List<String> section : List.of(TopLevel.KEYS, PoolSection.KEYS, FastCgiServerSection.KEYS,
                FastCgiServerSection.HEALTH_CHECK_KEYS,
                RouteSection.KEYS, RouteSection.MATCH_KEYS, RouteSection.STATIC_KEYS, RouteSection.FASTCGI_KEYS,
                RouteSection.PROXY_KEYS, AccessLogSection.KEYS, AdminSection.KEYS)) {
            keys.addAll(section);
        }
        List<String> missing = keys.stream()
                .filter(k -> !Pattern.compile("(?<![A-Za-z_])" + Pattern.quote(k) + ":").matcher(text).find())
                .toList();
        assertThat(missing).as("keys absent from deploy/fcgate.yaml").isEmpty();
    }

    @Test
    void configurationDocListsEveryKey() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "configuration.md"));
        Set<String> all = new LinkedHashSet<>();
        for (List<String> section : List.of(TopLevel.KEYS, PoolSection.KEYS, FastCgiServerSection.KEYS,
                FastCgiServerSection.HEALTH_CHECK_KEYS,
                RouteSection.KEYS, RouteSection.MATCH_KEYS, RouteSection.STATIC_KEYS, RouteSection.FASTCGI_KEYS,
                RouteSection.PROXY_KEYS, AccessLogSection.KEYS, AdminSection.KEYS)) {
            all.addAll(section);
        }
        assertThat(all.stream().filter(k -> !doc.contains("`" + k + "`")).toList())
                .as("keys absent from docs/configuration.md").isEmpty();
    }
}
