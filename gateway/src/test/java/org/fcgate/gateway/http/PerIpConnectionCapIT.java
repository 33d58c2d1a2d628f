package org.fcgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.support.GatewayExtension;
import org.fcgate.gateway.support.RawClient;
import org.fcgate.gateway.support.TestSite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The per-client-IP connection cap (R62), set to 3; every client here is 127.0.0.1. */
class PerIpConnectionCapIT {

    private static final String GET = "GET /static.txt HTTP/1.1\r\nHost: a\r\n\r\n";
    private static GatewayExtension gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayExtension.start(root -> TestSite.config(root,
                HttpLimits.defaults().withMaxConnectionsPerIp(3), Timeouts.defaults()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    @AfterEach
    void canary() {
        // The server counts a connection until it has seen it close, which is after our close returns.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(gateway::canary);
    }

    @Test
    void R62_theFourthConnectionFromOneIpIsClosedAtAccept() throws Exception {
        List<RawClient> three = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RawClient c = gateway.connect();
                three.add(c);
                assertThat(c.send(GET).read().status()).isEqualTo(200);
            }
            try (RawClient fourth = gateway.connect()) {
                assertThat(fourth.atEof()).as("closed at accept, no response").isTrue();
            }
            for (RawClient c : three) {
                assertThat(c.send(GET).read().status()).as("the first three are served still").isEqualTo(200);
            }
            three.remove(0).close();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                try (RawClient again = gateway.connect()) {
                    assertThat(again.send(GET).read().status()).isEqualTo(200);
                }
            });
        } finally {
            for (RawClient c : three) {
                c.close();
            }
        }
    }
}
