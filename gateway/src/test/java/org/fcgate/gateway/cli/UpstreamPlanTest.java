package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.fcgate.gateway.cli.UpstreamPlan.Action;
import org.fcgate.gateway.cli.UpstreamPlan.Change;
import org.fcgate.gateway.config.FastCgiAddress;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.route.PathMatcher;
import org.fcgate.gateway.route.Route;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link UpstreamPlan}: what a reload does to each upstream, from the running and the new configuration. */
class UpstreamPlanTest {

    @TempDir
    Path root;

    private GatewayConfig config(List<String> serverNames, UpstreamConfig... upstreams) throws Exception {
        List<Route> routes = List.of(new Route.Static(new PathMatcher.Prefix("/"), DocumentRoot.open(root, false,
                true), List.of(), java.util.Optional.empty()));
        return new GatewayConfig(ListenAddress.defaults(), HttpLimits.defaults(), Timeouts.defaults(),
                StaticOptions.defaults(), routes, serverNames, List.of(upstreams));
    }

    private GatewayConfig config(UpstreamConfig... upstreams) throws Exception {
        return config(List.of(), upstreams);
    }

    private static UpstreamConfig.ManagedPool pool(String name, int maxChildren) {
        return new UpstreamConfig.ManagedPool(name, PoolConfig.builder(name, List.of("/usr/bin/php-cgi"))
                .pm(PmMode.STATIC).maxChildren(maxChildren).build());
    }

    private static UpstreamConfig.External fpm(String name, String address) {
        return UpstreamConfig.External.withDefaults(name, List.of(FastCgiAddress.parse(address)));
    }

    @Test
    void theSameConfigurationKeepsEverything() throws Exception {
        GatewayConfig c = config(pool("php", 3), fpm("fpm", "unix:/run/fpm.sock"));
        UpstreamPlan plan = UpstreamPlan.of(c, config(pool("php", 3), fpm("fpm", "unix:/run/fpm.sock")));
        assertThat(plan.changes()).containsExactly(new Change("php", Action.KEEP, ""),
                new Change("fpm", Action.KEEP, ""));
        assertThat(plan.keepsEverything()).isTrue();
        assertThat(plan.describe()).isEmpty();
    }

    @Test
    void aChangedPoolSettingIsANewGenerationNamingTheKey() throws Exception {
        UpstreamPlan plan = UpstreamPlan.of(config(pool("php", 3)), config(pool("php", 4)));
        assertThat(plan.changes()).containsExactly(new Change("php", Action.NEW_GENERATION,
                "max_children 3 -> 4"));
        assertThat(plan.describe()).containsExactly(
                "upstream php: new generation of children (max_children 3 -> 4)");
    }

    @Test
    void envValuesStayOutOfTheDescription() throws Exception {
        UpstreamConfig.ManagedPool before = new UpstreamConfig.ManagedPool("php", PoolConfig.builder("php",
                List.of("/usr/bin/php-cgi")).env("DB_PASSWORD", "old-secret").build());
        UpstreamConfig.ManagedPool after = new UpstreamConfig.ManagedPool("php", PoolConfig.builder("php",
                List.of("/usr/bin/php-cgi")).env("DB_PASSWORD", "new-secret").build());
        Change c = UpstreamPlan.of(config(before), config(after)).changes().get(0);
        assertThat(c.action()).isEqualTo(Action.NEW_GENERATION);
        assertThat(c.detail()).isEqualTo("env").doesNotContain("secret");
    }

    @Test
    void forwardingSettingsAloneKeepTheChildren() throws Exception {
        UpstreamConfig.ManagedPool p = pool("php", 3);
        UpstreamConfig.ManagedPool slower = new UpstreamConfig.ManagedPool("php", p.pool(), p.connectTimeout(),
                Duration.ofSeconds(99));
        assertThat(UpstreamPlan.of(config(p), config(slower)).actionFor("php")).hasValue(Action.NEW_BACKEND);
        assertThat(UpstreamPlan.of(config(p), config(List.of("app.example"), p)).actionFor("php"))
                .as("SERVER_NAME is a forwarding setting").hasValue(Action.NEW_BACKEND);
    }

    @Test
    void externalServersGetNewConnectionsOnAnyChange() throws Exception {
        UpstreamPlan plan = UpstreamPlan.of(config(fpm("fpm", "unix:/run/a.sock")),
                config(fpm("fpm", "unix:/run/b.sock")));
        assertThat(plan.changes()).extracting(Change::action).containsExactly(Action.NEW_BACKEND);
        assertThat(plan.changes().get(0).detail()).startsWith("addresses ");
    }

    @Test
    void addedRemovedAndChangedKindsOfUpstream() throws Exception {
        UpstreamPlan plan = UpstreamPlan.of(config(pool("old", 1), pool("app", 2)),
                config(fpm("app", "127.0.0.1:9000"), pool("new", 1)));
        assertThat(plan.changes()).containsExactlyInAnyOrder(new Change("old", Action.REMOVE, ""),
                new Change("app", Action.REMOVE, ""), new Change("app", Action.ADD, ""),
                new Change("new", Action.ADD, ""));
        assertThat(plan.actionFor("app")).as("the new configuration's app").hasValue(Action.ADD);
        assertThat(plan.actionFor("old")).isEmpty();
        assertThat(plan.describe()).contains("upstream old: removed (drains)", "upstream new: added");
    }

    @Test
    void theInitialPlanAddsEverything() throws Exception {
        assertThat(UpstreamPlan.initial(config(pool("php", 1), fpm("fpm", "unix:/x"))).changes())
                .extracting(Change::action).containsExactly(Action.ADD, Action.ADD);
    }

    @Test
    void differencesAreNamedInTheFilesSpelling() throws Exception {
        record Sample(int maxChildren, Duration requestTimeout, String name) { }
        assertThat(UpstreamPlan.differences(new Sample(1, Duration.ofSeconds(1), "a"),
                new Sample(2, Duration.ofSeconds(1), "b"))).isEqualTo("max_children 1 -> 2, name a -> b");
    }

    private static UpstreamConfig.ManagedPool listening(String name, int maxChildren, String listen,
                                                        Duration connectTimeout) {
        UpstreamConfig.ManagedPool p = pool(name, maxChildren);
        return new UpstreamConfig.ManagedPool(name, p.pool(), connectTimeout, p.readTimeout(),
                java.util.Optional.of(org.fcgate.gateway.config.PoolListen.parse(listen, 0660)));
    }

    @Test
    void thePoolServersPoolsArePlannedWithoutListenWhichItRebindsItself() {
        Duration s1 = Duration.ofSeconds(1);
        UpstreamPlan plan = UpstreamPlan.of(
                List.of(listening("moved", 2, "unix:/run/a.sock", s1), listening("grown", 2, "127.0.0.1:9000", s1),
                        listening("slower", 2, "127.0.0.1:9001", s1), listening("gone", 1, "127.0.0.1:9002", s1)),
                java.util.Optional.empty(),
                List.of(listening("moved", 2, "unix:/run/b.sock", s1), listening("grown", 3, "127.0.0.1:9000", s1),
                        listening("slower", 2, "127.0.0.1:9001", Duration.ofSeconds(2)),
                        listening("new", 1, "127.0.0.1:9003", s1)),
                java.util.Optional.empty());
        assertThat(plan.changes()).containsExactly(new Change("gone", Action.REMOVE, ""),
                new Change("moved", Action.KEEP, ""),
                new Change("grown", Action.NEW_GENERATION, "max_children 2 -> 3"),
                new Change("slower", Action.NEW_BACKEND, "connect_timeout PT1S -> PT2S"),
                new Change("new", Action.ADD, ""));
    }
}
