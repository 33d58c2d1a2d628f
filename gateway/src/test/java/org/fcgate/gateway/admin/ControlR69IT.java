package org.fcgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.support.LeakTracker;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;
import org.fcgate.pool.status.ChildSnapshot;
import org.fcgate.pool.status.ChildState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * R69: the admin listener's control endpoints against real pools of the sample app. GET is 405; no or a wrong
 * token is 401; a cross-origin POST is 403 even with the token; without a configured token the endpoints do not
 * exist (404); with it, reload replaces every child, scale changes max_children live, and kill stops only a live child
 * of the named pool (the gateway's own pid, pid 1, another pool's child and unknown pids are refused with 403).
 * {@code POST /reload} answers what the installed {@link ReloadTrigger} did (409 when there is nothing to reload).
 */
class ControlR69IT {

    static final String TOKEN = "r69-test-token-0123456789abcdef";

    static {
        LeakTracker.install();
    }

    static PoolManager manager;
    static Pool pool;
    static Pool other;
    static Observability controlled;
    static Observability readOnly;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        manager = TestPools.manager();
        pool = manager.addPool(TestPools.legacyAppPool("app", 2)
                .killGrace(Duration.ofSeconds(2)).build());
        other = manager.addPool(TestPools.legacyAppPool("other", 1)
                .build());
        controlled = Observability.start(new AdminOptions(new ListenAddress("127.0.0.1", 0),
                Optional.of(AdminToken.of(TOKEN))), List.of(pool, other));
        readOnly = Observability.start(new ListenAddress("127.0.0.1", 0), List.of(pool));
        await().atMost(Duration.ofSeconds(30)).until(() -> pool.snapshot().count(ChildState.IDLE) == 2
                && other.snapshot().count(ChildState.IDLE) == 1);
    }

    @AfterAll
    static void stop() {
        if (controlled != null) {
            controlled.close();
        }
        if (readOnly != null) {
            readOnly.close();
        }
        if (manager != null) {
            manager.close();
        }
        assertThat(LeakTracker.collect()).as("Netty buffer leaks").isEmpty();
    }

    @Test
    void R69_getIsMethodNotAllowed() throws Exception {
        HttpResponse<String> r = send(controlled, "GET", "/pools/app/reload", Optional.of(TOKEN), Optional.empty());
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("allow")).hasValue("POST");
        assertThat(send(controlled, "GET", "/reload", Optional.empty(), Optional.empty()).statusCode())
                .isEqualTo(405);
    }

    @Test
    void R69_postWithoutOrWithAWrongTokenIsUnauthorized() throws Exception {
        HttpResponse<String> none = send(controlled, "POST", "/pools/app/reload", Optional.empty(), Optional.empty());
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("Bearer"));
        assertThat(send(controlled, "POST", "/pools/app/reload", Optional.of(TOKEN + "x"), Optional.empty())
                .statusCode()).isEqualTo(401);
        assertThat(send(controlled, "POST", "/pools/app/scale?max_children=3", Optional.of("short"), Optional.empty())
                .statusCode()).isEqualTo(401);
        assertThat(pool.config().maxChildren()).as("nothing changed").isEqualTo(2);
    }

    @Test
    void R69_crossOriginPostIsForbiddenEvenWithTheToken() throws Exception {
        assertThat(send(controlled, "POST", "/pools/app/scale?max_children=3", Optional.of(TOKEN),
                Optional.of("http://evil.example")).statusCode()).isEqualTo(403);
        assertThat(send(controlled, "POST", "/pools/app/scale?max_children=3", Optional.of(TOKEN),
                Optional.of("null")).statusCode()).isEqualTo(403);
        assertThat(pool.config().maxChildren()).isEqualTo(2);
    }

    @Test
    void R69_withoutAConfiguredTokenTheControlEndpointsDoNotExist() throws Exception {
        assertThat(send(readOnly, "POST", "/pools/app/reload", Optional.of(TOKEN), Optional.empty()).statusCode())
                .isEqualTo(404);
        assertThat(send(readOnly, "POST", "/reload", Optional.of(TOKEN), Optional.empty()).statusCode())
                .isEqualTo(404);
    }

    @Test
    void R69_reloadRefusesGetMissingTokensAndOtherOrigins() throws Exception {
        HttpResponse<String> get = send(controlled, "GET", "/reload", Optional.of(TOKEN), Optional.empty());
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("allow")).hasValue("POST");
        assertThat(send(controlled, "POST", "/reload", Optional.empty(), Optional.empty()).statusCode())
                .isEqualTo(401);
        assertThat(send(controlled, "POST", "/reload", Optional.of("wrong-token-0123456789"), Optional.empty())
                .statusCode()).isEqualTo(401);
        assertThat(send(controlled, "POST", "/reload", Optional.of(TOKEN), Optional.of("http://evil.example"))
                .statusCode()).isEqualTo(403);
    }

    @Test
    void reloadWithoutAConfigurationFileIsAConflict() throws Exception {
        HttpResponse<String> r = send(controlled, "POST", "/reload", Optional.of(TOKEN), Optional.empty());
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.body()).contains("not reloaded", "configuration reload is not available here");
    }

    @Test
    void reloadAnswersWhatTheTriggerDidOnceItIsDone() throws Exception {
        java.util.concurrent.CompletableFuture<ReloadOutcome> outcome = new java.util.concurrent.CompletableFuture<>();
        controlled.reloadWith(cause -> outcome);
        try {
            var pending = http.sendAsync(request(controlled, "POST", "/reload", Optional.of(TOKEN), Optional.empty(),
                    ""), HttpResponse.BodyHandlers.ofString());
            assertThat(send(controlled, "GET", "/ping", Optional.empty(), Optional.empty()).body())
                    .as("the admin listener keeps answering while a reload runs").isEqualTo("pong\n");
            assertThat(pending).isNotDone();
            outcome.complete(new ReloadOutcome(ReloadOutcome.Result.REJECTED, 3, List.of(), List.of(),
                    List.of("routes[0].match (\"x\") unknown", "pools.php.max_children (0) must be at least 1")));
            HttpResponse<String> r = pending.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(r.body()).isEqualTo("rejected: 2 errors; still serving configuration generation 3\n"
                    + "error: routes[0].match (\"x\") unknown\n"
                    + "error: pools.php.max_children (0) must be at least 1\n");
        } finally {
            controlled.reloadWith(ReloadTrigger.NONE);
        }
    }

    @Test
    void R69_killStopsOnlyALiveChildOfTheNamedPool() throws Exception {
        long gateway = ProcessHandle.current().pid();
        long otherChild = other.snapshot().children().get(0).pid();
        for (String pid : List.of(Long.toString(gateway), "1", Long.toString(otherChild), "999999999")) {
            HttpResponse<String> r = send(controlled, "POST", "/pools/app/kill?pid=" + pid, Optional.of(TOKEN),
                    Optional.empty());
            assertThat(r.statusCode()).as("pid " + pid).isEqualTo(403);
            assertThat(r.body()).isEqualTo("forbidden: pid " + pid + " is not a child of pool app\n");
        }
        assertThat(ProcessHandle.of(otherChild)).as("the other pool's child is untouched")
                .hasValueSatisfying(h -> assertThat(h.isAlive()).isTrue());
        assertThat(send(controlled, "POST", "/pools/app/kill?pid=abc", Optional.of(TOKEN), Optional.empty())
                .statusCode()).isEqualTo(400);
        assertThat(send(controlled, "POST", "/pools/app/kill", Optional.of(TOKEN), Optional.empty()).statusCode())
                .isEqualTo(400);
        assertThat(send(controlled, "GET", "/pools/app/kill?pid=1", Optional.of(TOKEN), Optional.empty())
                .statusCode()).isEqualTo(405);
        assertThat(send(controlled, "POST", "/pools/app/kill?pid=1", Optional.empty(), Optional.empty())
                .statusCode()).isEqualTo(401);

        await().atMost(Duration.ofSeconds(60)).until(() -> pool.snapshot().count(ChildState.IDLE) == 2);
        long victim = pool.snapshot().children().get(0).pid();
        long killedBefore = pool.snapshot().counters().exits(org.fcgate.pool.status.ExitReason.KILLED);
        HttpResponse<String> kill = send(controlled, "POST", "/pools/app/kill", Optional.of(TOKEN), Optional.empty(),
                "pid=" + victim);
        assertThat(kill.statusCode()).as(kill.body()).isEqualTo(200);
        assertThat(kill.body()).startsWith("child " + victim + " of pool app: SIGTERM sent");
        await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.of(victim).map(h -> !h.isAlive())
                .orElse(true));
        await().atMost(Duration.ofSeconds(60)).until(() -> pool.snapshot().count(ChildState.IDLE) == 2
                && !pids().contains(victim));
        assertThat(pool.snapshot().counters().exits(org.fcgate.pool.status.ExitReason.KILLED))
                .isEqualTo(killedBefore + 1);
    }

    @Test
    void reloadReplacesEveryChildAndScaleChangesMaxChildrenLive() throws Exception {
        Set<Long> before = pids();
        String origin = "http://127.0.0.1:" + controlled.port();
        HttpResponse<String> reload = send(controlled, "POST", "/pools/app/reload", Optional.of(TOKEN),
                Optional.of(origin));
        assertThat(reload.statusCode()).as(reload.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(60)).until(() -> pool.snapshot().count(ChildState.IDLE) == 2
                && pids().stream().noneMatch(before::contains));

        HttpResponse<String> up = send(controlled, "POST", "/pools/app/scale?max_children=3", Optional.of(TOKEN),
                Optional.empty());
        assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
        TestPools.awaitIdle(pool, 3);

        HttpResponse<String> down = send(controlled, "POST", "/pools/app/scale", Optional.of(TOKEN),
                Optional.empty(), "max_children=1");
        assertThat(down.statusCode()).as(down.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> pool.snapshot().children().size() == 1);

        HttpResponse<String> zero = send(controlled, "POST", "/pools/app/scale?max_children=0", Optional.of(TOKEN),
                Optional.empty());
        assertThat(zero.statusCode()).isEqualTo(400);
        assertThat(zero.body()).contains("max_children (0) must be at least 1");
        assertThat(send(controlled, "POST", "/pools/app/scale", Optional.of(TOKEN), Optional.empty()).statusCode())
                .isEqualTo(400);
        assertThat(send(controlled, "POST", "/pools/nope/reload", Optional.of(TOKEN), Optional.empty())
                .statusCode()).isEqualTo(404);
        assertThat(send(controlled, "POST", "/pools/app/scale?max_children=2", Optional.of(TOKEN), Optional.empty())
                .statusCode()).isEqualTo(200);
    }

    private static Set<Long> pids() {
        return pool.snapshot().children().stream().map(ChildSnapshot::pid).collect(Collectors.toSet());
    }

    private static HttpResponse<String> send(Observability admin, String method, String path, Optional<String> token,
                                             Optional<String> origin) throws Exception {
        return send(admin, method, path, token, origin, "");
    }

    private static HttpResponse<String> send(Observability admin, String method, String path, Optional<String> token,
                                             Optional<String> origin, String form) throws Exception {
        return http.send(request(admin, method, path, token, origin, form), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(Observability admin, String method, String path, Optional<String> token,
                                       Optional<String> origin, String form) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + path))
                .method(method, form.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(form));
        if (!form.isEmpty()) {
            b.header("Content-Type", "application/x-www-form-urlencoded");
        }
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        origin.ifPresent(o -> b.header("Origin", o));
        return b.build();
    }
}
