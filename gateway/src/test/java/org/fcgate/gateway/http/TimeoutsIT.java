package org.fcgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.support.GatewayExtension;
import org.fcgate.gateway.support.RawClient;
import org.fcgate.gateway.support.TestSite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Read timeouts, configured short (400 ms) so the cases are quick; closure is awaited, never timed (R62 and the
 * keep-alive / body timeouts).
 */
class TimeoutsIT {

    private static final Duration SHORT = Duration.ofMillis(400);
    private static GatewayExtension gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayExtension.start(root -> TestSite.config(root, HttpLimits.defaults(),
                new Timeouts(SHORT, SHORT, SHORT)));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @AfterEach
    void canary() throws Exception {
        gateway.canary();
    }

    @Test
    void R62_slowlorisHeadsAreClosedAfterTheHeaderTimeout() throws Exception {
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        List<RawClient> clients = new ArrayList<>();
        List<CompletableFuture<List<RawClient.Response>>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                RawClient c = gateway.connect();
                clients.add(c);
                c.send("GET / HTTP/1.1\r\nHost: a\r\n");
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return c.readAllUntilClose();
                    } catch (IOException e) {
                        return List.of();
                    }
                }));
            }
            // One header byte per connection every 50 ms: each read is "recent", only the total head time expires.
            trickle.scheduleAtFixedRate(() -> clients.forEach(c -> {
                try {
                    c.send("X");
                } catch (IOException e) {
                    // closed by the server: what we are waiting for
                }
            }), 0, 50, TimeUnit.MILLISECONDS);
            gateway.canary(); // others are served meanwhile
            await().atMost(Duration.ofSeconds(10)).until(() -> answers.stream().allMatch(CompletableFuture::isDone));
            for (CompletableFuture<List<RawClient.Response>> a : answers) {
                assertThat(a.get()).allSatisfy(r -> assertThat(r.status()).isEqualTo(408));
            }
        } finally {
            trickle.shutdownNow();
            for (RawClient c : clients) {
                c.close();
            }
        }
    }

    @Test
    void idleKeepAliveConnectionIsClosed() throws Exception {
        try (RawClient c = gateway.connect()) {
            assertThat(c.send("GET /a.txt HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> c.closedWithin(100));
        }
    }

    @Test
    void connectionThatNeverSendsIsClosedSilently() throws Exception {
        try (RawClient c = gateway.connect()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> c.closedWithin(100));
        }
    }

    @Test
    void stalledBodyIs408AndClosed() throws Exception {
        try (RawClient c = gateway.connect()) {
            c.send("POST /sub/test.php HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.closes()).isTrue();
            assertThat(c.readAllUntilClose()).isEmpty();
        }
    }

    @Test
    void keepAliveShorterThanTheHeaderTimeoutStillClosesAnIdleConnectionInTime() throws Exception {
        // The decoder keeps a pending timer across phases when it fires early enough; here the header timer of the
        // request (30 s) fires later than the keep-alive deadline, so it must be moved: closed well before 30 s.
        try (GatewayExtension g = GatewayExtension.start(root -> TestSite.config(root, HttpLimits.defaults(),
                new Timeouts(Duration.ofSeconds(30), Duration.ofSeconds(30), SHORT)));
             RawClient c = g.connect()) {
            for (int i = 0; i < 3; i++) {
                assertThat(c.send("GET /a.txt HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> c.closedWithin(100));
        }
    }
}
