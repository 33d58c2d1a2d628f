package org.fcgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.support.RawClient;
import org.fcgate.gateway.support.TestSite;
import org.fcgate.gateway.upstream.Upstreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code event_loops}: how many loops the listener spreads its connections over, and the {@code auto} rule. */
class EventLoopsTest {

    @TempDir
    Path dir;

    @Test
    void autoIsOneLoopPerTwoCoresAndAtLeastOne() {
        assertThat(HttpServer.autoEventLoops(1)).isEqualTo(1);
        assertThat(HttpServer.autoEventLoops(2)).isEqualTo(1);
        assertThat(HttpServer.autoEventLoops(3)).isEqualTo(1);
        assertThat(HttpServer.autoEventLoops(4)).isEqualTo(2);
        assertThat(HttpServer.autoEventLoops(16)).isEqualTo(8);
    }

    @Test
    void aConfiguredCountWins() {
        assertThat(HttpServer.eventLoops(5)).isEqualTo(5);
        assertThat(HttpServer.eventLoops(1)).isEqualTo(1);
    }

    @Test
    void connectionsAreSpreadOverExactlyTheConfiguredLoops() throws Exception {
        assertThat(loopsServing(8, 1)).isEqualTo(1);
        assertThat(loopsServing(8, 3)).isEqualTo(3);
    }

    /** Serves {@code connections} clients with {@code eventLoops} loops; the number of distinct loops they ran on. */
    private int loopsServing(int connections, int eventLoops) throws Exception {
        Path root = TestSite.create(Files.createTempDirectory(dir, "site"));
        GatewayConfig base = TestSite.config(root, HttpLimits.defaults(), Timeouts.defaults());
        GatewayConfig config = new GatewayConfig(base.listen(), base.limits(), base.timeouts(), base.staticOptions(),
                base.routes(), base.serverNames(), base.upstreams(), eventLoops);
        Set<EventLoop> seen = ConcurrentHashMap.newKeySet();
        try (HttpServer server = HttpServer.start(config, Upstreams.none(), p -> seen.add(p.channel().eventLoop()))) {
            List<RawClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < connections; i++) {
                    RawClient c = new RawClient(server.port());
                    clients.add(c);
                    RawClient.Response r = c.send("GET /static.txt HTTP/1.1\r\nHost: t\r\n\r\n").read();
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(r.bodyText()).isEqualTo("static\n");
                }
            } finally {
                for (RawClient c : clients) {
                    c.close();
                }
            }
        }
        return seen.size();
    }
}
