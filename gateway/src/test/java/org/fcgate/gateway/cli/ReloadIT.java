package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.fcgate.gateway.accesslog.AccessLogOptions;
import org.fcgate.gateway.admin.AdminConfig;
import org.fcgate.gateway.admin.AdminOptions;
import org.fcgate.gateway.admin.AdminToken;
import org.fcgate.gateway.admin.ReloadOutcome;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.config.yaml.LoadedConfig;
import org.fcgate.gateway.support.ConfigFiles;
import org.fcgate.gateway.support.LeakTracker;
import org.fcgate.gateway.support.LogCapture;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;
import org.fcgate.pool.status.ChildSnapshot;
import org.fcgate.pool.status.ChildState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Configuration reload of {@code fcgate run}, in process (the signal and systemd paths run the jar: SystemdNotifyIT,
 * and integration-tests ReloadR76IT): pools of the sample app, whose answer shows the route's {@code GEN} param and
 * the child's pid, so each response says which configuration routed it and which generation of children served it.
 */
class ReloadIT {

    static {
        LeakTracker.install();
    }

    private static final String TOKEN = "reload-it-token-0123456789abcdef";

    @TempDir
    Path dir;

    private RunningGateway gateway;
    private Path file;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        assertThat(LeakTracker.collect()).as("Netty buffer leaks").isEmpty();
    }

    /** {@code pools}: YAML of the pools section's entries; every route param GEN={@code gen}. */
    private String yaml(String gen, String listen, String pools, String routes) throws Exception {
        return """
                listen: %s
                root: www
                shutdown_timeout: 20s
                pools:
                %s
                routes:
                %s
                  - match: {extension: .app}
                    fastcgi: {upstream: app, script_extensions: [.app], params: {GEN: "%s"}}
                  - match: {prefix: /}
                    static: {}
                """.formatted(listen, pools.indent(2).stripTrailing(), routes.indent(2).stripTrailing(), gen);
    }

    private static String pool(String name, int children) throws Exception {
        return """
                %s:
                  command: %s
                  pm: static
                  max_children: %d
                  spawn_timeout: 60s
                  queue_timeout: 60s
                """.formatted(name, TestPools.legacyAppYaml(), children);
    }

    private void start(String text, Optional<AdminOptions> admin) throws Exception {
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("s.app"), "script\n");
        Files.createDirectories(www.resolve("b"));
        Files.writeString(www.resolve("b/s.app"), "script\n");
        Files.createDirectories(www.resolve("c"));
        Files.writeString(www.resolve("c/s.app"), "script\n");
        file = Files.writeString(dir.resolve("fcgate.yaml"), text);
        LoadedConfig loaded = ConfigLoader.create().load(file);
        gateway = RunningGateway.start(loaded.gateway(), TestPools.managers(), admin, AccessLogOptions.off(),
                loaded.shutdown());
        gateway.reloadFrom(new ConfigReload.Source(file, text, loaded, AdminConfig.off()));
        for (Pool p : manager().pools()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> p.snapshot().count(ChildState.IDLE)
                    == p.config().maxChildren());
        }
    }

    private ReloadOutcome reload(String text) throws Exception {
        Files.writeString(file, text);
        return gateway.reload("test").get();
    }

    private PoolManager manager() {
        return gateway.manager().orElseThrow();
    }

    private Set<Long> pids(String pool) {
        return manager().pool(pool).snapshot().children().stream().map(ChildSnapshot::pid)
                .collect(Collectors.toSet());
    }

    /** A sample-app answer: its GEN param and the pid that served it. */
    private record Answer(int status, String gen, long pid) {
    }

    private Answer get(String path) throws Exception {
        return answer(http.send(request(path), HttpResponse.BodyHandlers.ofString()));
    }

    private CompletableFuture<Answer> getAsync(String path) {
        return http.sendAsync(request(path), HttpResponse.BodyHandlers.ofString()).thenApply(ReloadIT::answer);
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).build();
    }

    private static Answer answer(HttpResponse<String> r) {
        String gen = r.body().lines().filter(l -> l.startsWith("GEN=")).map(l -> l.substring(4)).findFirst()
                .orElse("-");
        long pid = r.body().lines().filter(l -> l.startsWith("pid=")).map(l -> Long.parseLong(l.substring(4)))
                .findFirst().orElse(-1L);
        return new Answer(r.statusCode(), gen, pid);
    }

    @Test
    void aChangedPoolGetsANewGenerationWhileTheOldOneFinishesItsRequests() throws Exception {
        start(yaml("1", "127.0.0.1:0", pool("app", 2), ""), Optional.empty());
        Set<Long> old = pids("app");
        Pool oldPool = manager().pool("app");
        CompletableFuture<Answer> inFlight = getAsync("/s.app?sleep=2000");
        await().atMost(Duration.ofSeconds(30)).until(() -> oldPool.snapshot().count(ChildState.BUSY) == 1);

        ReloadOutcome outcome = reload(yaml("2", "127.0.0.1:0", pool("app", 3), ""));

        assertThat(outcome.result()).as(outcome.text()).isEqualTo(ReloadOutcome.Result.APPLIED);
        assertThat(outcome.generation()).isEqualTo(2);
        assertThat(outcome.changes()).contains("upstream app: new generation of children (max_children 2 -> 3)");
        assertThat(pids("app")).as("a new generation, already ready").hasSize(3).doesNotContainAnyElementsOf(old);
        Answer fresh = get("/s.app");
        assertThat(fresh).isEqualTo(new Answer(200, "2", fresh.pid()));
        assertThat(pids("app")).contains(fresh.pid());

        Answer slow = inFlight.get();
        assertThat(slow.status()).isEqualTo(200);
        assertThat(slow.gen()).as("routed by the configuration it arrived under").isEqualTo("1");
        assertThat(old).as("served by the old generation").contains(slow.pid());

        await().atMost(Duration.ofSeconds(30)).until(() -> manager().allGenerations().size() == 1);
        assertThat(oldPool.state()).isEqualTo(Pool.State.STOPPED);
        await().atMost(Duration.ofSeconds(30)).until(() -> old.stream().noneMatch(ReloadIT::alive));
        assertThat(gateway.site().generation()).isEqualTo(2);
    }

    @Test
    void anUnchangedPoolKeepsItsChildrenWhenOnlyRoutesChangeAndTheSameFileIsUnchanged() throws Exception {
        start(yaml("1", "127.0.0.1:0", pool("app", 2), ""), Optional.empty());
        Set<Long> before = pids("app");

        String second = yaml("2", "127.0.0.1:0", pool("app", 2), "");
        ReloadOutcome outcome = reload(second);

        assertThat(outcome.result()).isEqualTo(ReloadOutcome.Result.APPLIED);
        assertThat(outcome.changes()).as("no upstream changed").allMatch(c -> c.startsWith("site: "));
        assertThat(pids("app")).isEqualTo(before);
        assertThat(manager().allGenerations()).hasSize(1);
        assertThat(get("/s.app").gen()).isEqualTo("2");

        ReloadOutcome again = gateway.reload("test").get();
        assertThat(again.result()).isEqualTo(ReloadOutcome.Result.UNCHANGED);
        assertThat(again.generation()).isEqualTo(2);
    }

    @Test
    void anInvalidFileIsRejectedWithEveryErrorLoggedAndTheOldConfigurationKept() throws Exception {
        start(yaml("1", "127.0.0.1:0", pool("app", 2), ""), Optional.empty());
        Set<Long> before = pids("app");
        String broken = yaml("2", "127.0.0.1:0", pool("app", 0), "").replace("shutdown_timeout", "shutdown_timout");
        ReloadOutcome outcome;
        try (LogCapture log = new LogCapture()) {
            outcome = reload(broken);
            assertThat(log.text()).contains("reload rejected: " + file + ": shutdown_timout unknown key",
                    "reload rejected: " + file + ": pools.app.max_children (0) must be at least 1",
                    "reload rejected: 2 errors; still serving configuration generation 1");
        }
        assertThat(outcome.result()).isEqualTo(ReloadOutcome.Result.REJECTED);
        assertThat(outcome.errors()).hasSize(2);
        assertThat(outcome.text()).startsWith("rejected: 2 errors; still serving configuration generation 1\n");
        assertThat(get("/s.app").gen()).isEqualTo("1");
        assertThat(pids("app")).isEqualTo(before);
        assertThat(gateway.site().generation()).isEqualTo(1);
        assertThat(gateway.reload("test").get().result()).as("still invalid: rejected again, not unchanged")
                .isEqualTo(ReloadOutcome.Result.REJECTED);
    }

    @Test
    void addedPoolsStartAndRemovedPoolsFinishTheirRequestsThenStop() throws Exception {
        start(yaml("1", "127.0.0.1:0", pool("app", 1) + pool("b", 1), """
                - match: {prefix: /b/}
                  fastcgi: {upstream: b, script_extensions: [.app]}
                """), Optional.empty());
        Pool b = manager().pool("b");
        Set<Long> bPids = pids("b");
        Set<Long> appPids = pids("app");
        CompletableFuture<Answer> onB = getAsync("/b/s.app?sleep=2000");
        await().atMost(Duration.ofSeconds(30)).until(() -> b.snapshot().count(ChildState.BUSY) == 1);

        ReloadOutcome outcome = reload(yaml("2", "127.0.0.1:0", pool("app", 1) + pool("c", 1), """
                - match: {prefix: /c/}
                  fastcgi: {upstream: c, script_extensions: [.app]}
                """));

        assertThat(outcome.result()).as(outcome.text()).isEqualTo(ReloadOutcome.Result.APPLIED);
        assertThat(outcome.changes()).contains("upstream b: removed (drains)", "upstream c: added");
        assertThat(get("/c/s.app").status()).isEqualTo(200);
        Answer formerB = get("/b/s.app");
        assertThat(formerB.gen()).as("no /b/ route any more: the .app route takes it").isEqualTo("2");
        assertThat(appPids).contains(formerB.pid());
        assertThat(onB.get().status()).as("b's request in flight finished").isEqualTo(200);
        assertThat(bPids).contains(onB.get().pid());
        await().atMost(Duration.ofSeconds(30)).until(() -> b.state() == Pool.State.STOPPED);
        await().atMost(Duration.ofSeconds(30)).until(() -> bPids.stream().noneMatch(ReloadIT::alive));
        assertThat(manager().pools()).extracting(Pool::name).containsExactly("app", "c");
        assertThat(pids("app")).as("app unchanged: kept").isEqualTo(appPids);
    }

    @Test
    void aNewListenAddressIsAWarningAndTheRestIsApplied() throws Exception {
        start(yaml("1", "127.0.0.1:0", pool("app", 1), ""), Optional.empty());
        int port = gateway.port();

        ReloadOutcome outcome = reload(yaml("2", "127.0.0.1:1", pool("app", 1), ""));

        assertThat(outcome.result()).isEqualTo(ReloadOutcome.Result.APPLIED);
        assertThat(outcome.warnings()).containsExactly(
                "listen (127.0.0.1:1) needs a restart; still listening on 127.0.0.1:" + port);
        assertThat(gateway.port()).isEqualTo(port);
        assertThat(get("/s.app").gen()).isEqualTo("2");
    }

    @Test
    void aNewEventLoopCountIsAWarningAndTheRestIsApplied() throws Exception {
        start(yaml("1", "127.0.0.1:0", pool("app", 1), ""), Optional.empty());

        ReloadOutcome outcome = reload(yaml("2", "127.0.0.1:0\nevent_loops: 3", pool("app", 1), ""));

        assertThat(outcome.result()).isEqualTo(ReloadOutcome.Result.APPLIED);
        assertThat(outcome.warnings()).containsExactly(
                "event_loops needs a restart; the listener keeps its event loops");
        assertThat(get("/s.app").gen()).isEqualTo("2");
    }

    @Test
    void fcgateReloadAsksTheAdminListenerAndReportsWhatHappened() throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("admin.token"), TOKEN + "\n");
        start(yaml("1", "127.0.0.1:0", pool("app", 1), ""), Optional.of(new AdminOptions(
                new ListenAddress("127.0.0.1", 0), Optional.of(AdminToken.of(TOKEN)))));
        int admin = gateway.adminPort();

        Files.writeString(file, yaml("2", "127.0.0.1:0", pool("app", 1), ""));
        Cli ok = cli("reload", "--config", file.toString(), "--admin", "127.0.0.1:" + admin, "--admin-token-file",
                tokenFile.toString());
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).startsWith("reloaded: configuration generation 2\n").contains("change: site: 2 routes");
        assertThat(get("/s.app").gen()).isEqualTo("2");

        Files.writeString(file, yaml("3", "127.0.0.1:0", pool("app", 1), "").replace("root: www", "root: nowhere"));
        Cli invalid = cli("reload", "--config", file.toString(), "--admin", "127.0.0.1:" + admin,
                "--admin-token-file", tokenFile.toString());
        assertThat(invalid.exit()).isEqualTo(1);
        assertThat(invalid.err()).contains("root", "not sent; the gateway keeps its configuration");

        Cli rejected = cli("reload", "--admin", "127.0.0.1:" + admin, "--admin-token-file", tokenFile.toString());
        assertThat(rejected.exit()).isEqualTo(1);
        assertThat(rejected.err()).contains("rejected: ", "error: ", "root", "reload rejected (HTTP 422)");
        assertThat(get("/s.app").gen()).isEqualTo("2");

        Path wrong = Files.writeString(dir.resolve("wrong.token"), "not-the-token-0123456789\n");
        Cli refused = cli("reload", "--admin", "127.0.0.1:" + admin, "--admin-token-file", wrong.toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("refused the token (401)");

        Cli unreachable = cli("reload", "--admin", "127.0.0.1:1", "--admin-token-file", tokenFile.toString());
        assertThat(unreachable.exit()).isEqualTo(1);
        assertThat(unreachable.err()).contains("cannot connect to the admin listener at http://127.0.0.1:1/reload");

        Path plainFile = Files.writeString(dir.resolve("plain.yaml"), yaml("4", "127.0.0.1:0", pool("app", 1), ""));
        Cli noAdmin = cli("reload", "--config", plainFile.toString());
        assertThat(noAdmin.exit()).isEqualTo(1);
        assertThat(noAdmin.err()).contains("needs the admin listener's address", "kill -HUP PID");
    }

    @Test
    void serveHasNoFileToReload() throws Exception {
        Files.createDirectories(dir.resolve("www"));
        Path staticOnly = Files.writeString(dir.resolve("static.yaml"), ConfigFiles.STATIC_ONLY);
        RunningGateway plain = RunningGateway.start(ConfigLoader.create().load(staticOnly).gateway(),
                TestPools.managers());
        try {
            ReloadOutcome outcome = plain.reload("SIGHUP").get();
            assertThat(outcome.result()).isEqualTo(ReloadOutcome.Result.UNAVAILABLE);
            assertThat(outcome.errors()).singleElement().asString().startsWith("no configuration file to reload");
        } finally {
            plain.close();
        }
    }

    private record Cli(int exit, String out, String err) {
    }

    private static Cli cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = FcgateCommand.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int exit = cmd.execute(args);
        return new Cli(exit, out.toString(), err.toString());
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
