package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.fcgate.gateway.cli.LiveUpstreams.SiteUpstreams;
import org.fcgate.gateway.config.FastCgiAddress;
import org.fcgate.gateway.config.FastCgiOptions;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.gateway.fastcgi.FastCgiBackend;
import org.fcgate.gateway.fastcgi.FastCgiUpstream;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.route.PathMatcher;
import org.fcgate.gateway.route.Route;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LiveUpstreams} across generations, with external servers (no process is started): what a plan keeps is the
 * same backend object, what it replaces is a new one; a backend is closed only when no live generation holds it.
 * Pool generations are the same bookkeeping over {@code PoolManager.retire} (ReloadIT, R76).
 */
class LiveUpstreamsTest {

    @TempDir
    Path root;

    private final LiveUpstreams live = new LiveUpstreams(() -> {
        throw new AssertionError("no pool here: no manager");
    });

    private GatewayConfig config(String paramValue, UpstreamConfig... upstreams) throws Exception {
        DocumentRoot docs = DocumentRoot.open(root, false, true);
        FastCgiOptions options = new FastCgiOptions(java.util.Map.of("GEN", paramValue), true, true,
                org.fcgate.gateway.config.GatewayDefaults.FASTCGI_INDEX_FILES, Optional.empty(), List.of());
        List<Route> routes = List.of(
                new Route.FastCgi(new PathMatcher.Prefix("/a/"), docs, java.util.Set.of(".php"), "a", options),
                new Route.FastCgi(new PathMatcher.Prefix("/b/"), docs, java.util.Set.of(".php"), "b", options));
        return new GatewayConfig(ListenAddress.defaults(), HttpLimits.defaults(), Timeouts.defaults(),
                StaticOptions.defaults(), routes, List.of(), List.of(upstreams));
    }

    private static UpstreamConfig.External fpm(String name, String address) {
        return UpstreamConfig.External.withDefaults(name, List.of(FastCgiAddress.parse(address)));
    }

    private static FastCgiBackend backend(SiteUpstreams s, String name) {
        return s.byName().get(name).backend();
    }

    @Test
    void keptUpstreamsAreSharedAndReplacedOnesCloseWhenTheirLastGenerationIsReleased() throws Exception {
        GatewayConfig first = config("1", fpm("a", "unix:/run/a.sock"), fpm("b", "unix:/run/b.sock"));
        SiteUpstreams one = live.build(first, UpstreamPlan.initial(first), SiteUpstreams.none());
        live.retain(one);

        GatewayConfig second = config("2", fpm("a", "unix:/run/a2.sock"), fpm("b", "unix:/run/b.sock"));
        SiteUpstreams two = live.build(second, UpstreamPlan.of(first, second), one);
        live.retain(two);

        assertThat(backend(two, "b")).as("kept: the same connections").isSameAs(backend(one, "b"));
        assertThat(backend(two, "a")).as("changed: new connections").isNotSameAs(backend(one, "a"));
        Route.FastCgi route = (Route.FastCgi) second.routes().get(1);
        assertThat(((FastCgiUpstream) two.upstreams().lookup(route)).options().cgi().extraParams())
                .as("a kept backend forwards with the new route's options").containsEntry("GEN", "2");

        live.release(one, Duration.ZERO);
        assertThat(backend(one, "a").isClosed()).as("only the old generation used it").isTrue();
        assertThat(backend(two, "b").isClosed()).as("the new generation still holds it").isFalse();
        assertThat(backend(two, "a").isClosed()).isFalse();

        live.close(Duration.ZERO);
        assertThat(backend(two, "a").isClosed()).isTrue();
        assertThat(backend(two, "b").isClosed()).isTrue();
    }

    @Test
    void anAbandonedBuildClosesOnlyWhatItStarted() throws Exception {
        GatewayConfig first = config("1", fpm("a", "unix:/run/a.sock"), fpm("b", "unix:/run/b.sock"));
        SiteUpstreams one = live.build(first, UpstreamPlan.initial(first), SiteUpstreams.none());
        live.retain(one);
        GatewayConfig second = config("2", fpm("a", "unix:/run/a2.sock"), fpm("b", "unix:/run/b.sock"));
        SiteUpstreams abandoned = live.build(second, UpstreamPlan.of(first, second), one);

        live.discard(abandoned, Duration.ZERO);

        assertThat(backend(abandoned, "a").isClosed()).isTrue();
        assertThat(backend(one, "a").isClosed()).isFalse();
        assertThat(backend(one, "b").isClosed()).isFalse();
        assertThat(live.manager()).isEmpty();
        live.close(Duration.ZERO);
    }
}
