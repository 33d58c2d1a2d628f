package org.fcgate.gateway.site;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.route.PathMatcher;
import org.fcgate.gateway.route.Route;
import org.fcgate.gateway.upstream.Upstreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CurrentSite}: requests count in the site they entered; a replaced site drains when its last one exits. */
class CurrentSiteTest {

    @TempDir
    Path root;

    private Site site(long generation) throws Exception {
        GatewayConfig c = new GatewayConfig(ListenAddress.defaults(), HttpLimits.defaults(), Timeouts.defaults(),
                StaticOptions.defaults(), List.of(new Route.Static(new PathMatcher.Prefix("/"),
                DocumentRoot.open(root, false, true), List.of(), java.util.Optional.empty())));
        return new Site(generation, c, Upstreams.none());
    }

    @Test
    void aReplacedSiteDrainsWhenItsLastRequestExits() throws Exception {
        Site one = site(1);
        CurrentSite sites = new CurrentSite(one);
        Site a = sites.enter();
        Site b = sites.enter();
        assertThat(a).isSameAs(one);
        assertThat(one.active()).isEqualTo(2);

        Site two = site(2);
        assertThat(sites.replace(two)).isSameAs(one);
        Site c = sites.enter();
        assertThat(c).as("new requests enter the new site").isSameAs(two);
        assertThat(one.drained()).as("two requests still in the old site").isNotDone();

        a.exit();
        assertThat(one.drained()).isNotDone();
        b.exit();
        assertThat(one.drained()).isCompleted();
        assertThat(two.drained()).as("the current site never drains").isNotDone();
        c.exit();
        assertThat(two.drained()).isNotDone();
        assertThat(two.active()).isZero();
    }

    @Test
    void aSiteReplacedWithNothingInFlightIsDrainedAtOnce() throws Exception {
        Site one = site(1);
        CurrentSite sites = new CurrentSite(one);
        sites.enter().exit();
        sites.replace(site(2));
        assertThat(one.drained()).isCompleted();
    }
}
