package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.nio.ByteBuffer;
import org.fcgate.fcgi.client.ClientRequestEncoder;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.fcgi.client.ResponseListener;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.Role;
import org.fcgate.gateway.admin.AdminConfig;
import org.fcgate.gateway.admin.AdminOptions;
import org.fcgate.gateway.admin.AdminToken;
import org.fcgate.gateway.admin.ReloadOutcome;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.config.yaml.LoadedPools;
import org.fcgate.gateway.poolserver.RunningPoolServer;
import org.fcgate.gateway.support.LeakTracker;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.pool.Pool;
import org.fcgate.pool.status.ChildState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Configuration reload of {@code fcgate pool}, in process ({@link PoolServerReload} as {@link PoolCommand} wires it;
 * the SIGHUP path runs the jar: integration-tests {@code PoolServerReloadIT}): pools of the sample app, whose answer
 * shows the child's pid, driven over FastCGI by {@link FcgiConnection}.
 */
class PoolServerReloadIT {

    static {
        LeakTracker.install();
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String TOKEN = "pool-reload-token-0123456789abcdef";

    @TempDir
    Path dir;

    private RunningPoolServer server;
    private Reloader reloader;
    private Path file;

    @AfterEach
    void stop() {
        if (reloader != null) {
            reloader.close(5);
        }
        if (server != null) {
            server.close();
        }
        assertThat(LeakTracker.collect()).as("Netty buffer leaks").isEmpty();
    }

    /** A static pool of the sample app; {@code extra}: more keys, indented as pool keys. */
    private static String pool(String name, int children, String listen, String extra) throws Exception {
        return """
                  %s:
                    command: %s
                    pm: static
                    max_children: %d
                    kill_grace: 1s
                    listen: %s
                %s""".formatted(name, TestPools.legacyAppYaml(), children, listen, extra);
    }

    private void start(String yaml, Optional<AdminOptions> admin) throws Exception {
        file = Files.writeString(dir.resolve("pools.yaml"), yaml);
        LoadedPools loaded = ConfigLoader.create().loadPools(file);
        server = admin.isPresent() ? RunningPoolServer.start(loaded.listening(), TestPools.managers(), admin.get())
                : RunningPoolServer.start(loaded.listening(), TestPools.managers(), Optional.empty());
        reloader = PoolCommand.reloadable(server, new PoolServerReload.Source(file, yaml, loaded, AdminConfig.off()));
        for (Pool p : server.manager().pools()) {
            TestPools.awaitIdle(p, p.config().maxChildren());
        }
    }

    private ReloadOutcome reload(String yaml) throws Exception {
        Files.writeString(file, yaml);
        return reloader.request("test").get();
    }

    private SocketAddress address(String pool) {
        String a = server.addresses().get(pool);
        if (a.startsWith("unix:")) {
            return UnixDomainSocketAddress.of(a.substring("unix:".length()));
        }
        return new InetSocketAddress("127.0.0.1", Integer.parseInt(a.substring(a.lastIndexOf(':') + 1)));
    }

    /** One request on a connection of its own; the pid of the child that answered. */
    private long pid(String pool, String query) throws IOException {
        try (FcgiConnection c = FcgiConnection.open(address(pool), TIMEOUT)) {
            return pidOf(c.execute(params(query), new byte[0]));
        }
    }

    private static long pidOf(FcgiConnection.Result r) throws IOException {
        assertThat(r.head().status()).isEqualTo(200);
        String body = new String(r.body(), StandardCharsets.UTF_8);
        return Long.parseLong(body.lines().filter(l -> l.startsWith("pid=")).findFirst().orElseThrow()
                .substring("pid=".length()));
    }

    /** Reads request 1's answer on {@code c} to its END_REQUEST: the CGI head and body, as text. */
    private static String readAnswer(FcgiConnection c) throws IOException {
        StringBuilder out = new StringBuilder();
        boolean[] ended = {false};
        c.decoder().register(1, new ResponseListener() {
            @Override
            public void onStdout(ByteBuffer chunk) {
                out.append(StandardCharsets.UTF_8.decode(chunk));
            }

            @Override
            public void onStderr(ByteBuffer chunk) {
            }

            @Override
            public void onEnd(int appStatus, ProtocolStatus status) {
                ended[0] = true;
            }
        });
        while (!ended[0]) {
            c.readSome();
        }
        return out.toString();
    }

    private static Params params(String query) {
        return Params.builder().add("SCRIPT_FILENAME", "/srv/x.app").add("SCRIPT_NAME", "/x.app")
                .add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/x.app?" + query).add("QUERY_STRING", query)
                .add("GATEWAY_INTERFACE", "CGI/1.1").build();
    }

    @Test
    void aChangedPoolGetsANewGenerationWhileItsRequestInFlightFinishesOnTheOldOne() throws Exception {
        Path sock = dir.resolve("app.sock");
        String before = "pools:\n" + pool("app", 1, "unix:" + sock, "") + pool("kept", 1, "127.0.0.1:0", "");
        start(before, Optional.empty());
        Pool oldApp = server.manager().pool("app");
        long keptPid = pid("kept", "");
        long oldPid = pid("app", "");
        try (FcgiConnection held = FcgiConnection.open(address("app"), TIMEOUT)) {
            // A request in flight for as long as the test wants: its body is not complete yet (the child reads it
            // whole before answering).
            Params p = params("");
            ByteBuffer head = ByteBuffer.allocate(ClientRequestEncoder.headSize(p) + 64);
            ClientRequestEncoder.writeHead(head, 1, Role.RESPONDER, false, p);
            ClientRequestEncoder.writeStdin(head, 1, ByteBuffer.wrap("held".getBytes(StandardCharsets.US_ASCII)));
            held.writeRaw(head.flip());
            await().atMost(TIMEOUT).until(() -> oldApp.snapshot().count(ChildState.BUSY) == 1);

            ReloadOutcome outcome = reload("pools:\n" + pool("app", 2, "unix:" + sock, "")
                    + pool("kept", 1, "127.0.0.1:0", ""));

            assertThat(outcome.result()).as(outcome.text()).isEqualTo(ReloadOutcome.Result.APPLIED);
            assertThat(outcome.generation()).isEqualTo(2);
            assertThat(outcome.changes())
                    .containsExactly("pool app: new generation of children (max_children 1 -> 2)");
            Pool newApp = server.manager().pool("app");
            assertThat(newApp).isNotSameAs(oldApp);
            assertThat(newApp.config().maxChildren()).isEqualTo(2);
            long newPid = pid("app", "");
            assertThat(newPid).as("new requests go to the new generation").isNotEqualTo(oldPid);
            assertThat(oldApp.state()).as("the old generation waits for its request").isEqualTo(Pool.State.RUNNING);

            ByteBuffer end = ByteBuffer.allocate(Fcgi.HEADER_LEN);
            ClientRequestEncoder.writeStdinEnd(end, 1);
            held.writeRaw(end.flip());
            String answer = readAnswer(held);
            assertThat(answer).as("answered by the old generation's child").contains("pid=" + oldPid + "\n",
                    "body-length=4\n");
        }
        await("the old generation retired once its request was done").atMost(TIMEOUT)
                .until(() -> oldApp.state() == Pool.State.STOPPED);
        assertThat(server.manager().allGenerations()).containsExactlyInAnyOrder(server.manager().pool("app"),
                server.manager().pool("kept"));
        assertThat(pid("kept", "")).as("an unchanged pool keeps its children").isEqualTo(keptPid);
        assertThat(server.addresses()).containsEntry("app", "unix:" + sock);
    }

    @Test
    void aBadFileIsRejectedAndTheSameFileIsUnchanged() throws Exception {
        String yaml = "pools:\n" + pool("app", 1, "127.0.0.1:0", "");
        start(yaml, Optional.empty());
        long pid = pid("app", "");

        ReloadOutcome bad = reload("bogus: 1\npools:\n" + pool("app", 0, "127.0.0.1:0", ""));
        assertThat(bad.result()).isEqualTo(ReloadOutcome.Result.REJECTED);
        assertThat(bad.generation()).isEqualTo(1);
        assertThat(bad.errors()).hasSize(2).anyMatch(e -> e.startsWith("bogus unknown key"))
                .anyMatch(e -> e.startsWith("pools.app.max_children (0) must be at least 1"));
        assertThat(pid("app", "")).as("the old pool still serves").isEqualTo(pid);

        ReloadOutcome noListen = reload("pools:\n  app: {command: [/bin/true]}\n");
        assertThat(noListen.result()).isEqualTo(ReloadOutcome.Result.REJECTED);
        assertThat(noListen.errors()).singleElement().asString().startsWith("pools: no pool has a listen address");

        ReloadOutcome same = reload(yaml);
        assertThat(same.result()).isEqualTo(ReloadOutcome.Result.UNCHANGED);
        assertThat(pid("app", "")).isEqualTo(pid);
    }

    @Test
    void addedPoolsListenRemovedOnesDrainAndChangedAddressesAreRebound() throws Exception {
        Path a = dir.resolve("a.sock");
        Path b = dir.resolve("b.sock");
        start("pools:\n" + pool("app", 1, "unix:" + a, "") + pool("gone", 1, "127.0.0.1:0", ""),
                Optional.empty());
        long appPid = pid("app", "");
        Pool gone = server.manager().pool("gone");
        try (FcgiConnection kept = FcgiConnection.open(address("gone"), TIMEOUT)) {
            pidOf(kept.execute(params(""), new byte[0])); // KEEP_CONN: the connection stays open

            ReloadOutcome outcome = reload("pools:\n" + pool("app", 1, "unix:" + b, "    connect_timeout: 2s\n")
                    + pool("added", 1, "127.0.0.1:0", ""));

            assertThat(outcome.result()).as(outcome.text()).isEqualTo(ReloadOutcome.Result.APPLIED);
            assertThat(outcome.changes()).containsExactlyInAnyOrder("pool gone: removed (drains)",
                    "pool app: new forwarding settings, children kept (connect_timeout PT1S -> PT2S)",
                    "pool app: listen unix:" + a + " -> unix:" + b
                            + " (the new address listens before the old one closes)",
                    "pool added: added");
            assertThat(server.addresses()).containsOnlyKeys("app", "added").containsEntry("app", "unix:" + b);
            assertThat(a).doesNotExist();
            assertThat(pid("app", "")).as("rebound, children kept").isEqualTo(appPid);
            assertThat(pid("added", "")).isPositive();
            // The removed pool's idle kept connection is closed by the server, then the pool is retired.
            assertThatThrownBy(() -> kept.execute(params(""), new byte[0])).isInstanceOf(IOException.class);
        }
        await("the removed pool retired").atMost(TIMEOUT).until(() -> gone.state() == Pool.State.STOPPED);
        assertThat(server.manager().pool("gone")).isNull();
    }

    @Test
    void anAddressThatCannotBeBoundRejectsTheReloadAndStopsTheNewPool() throws Exception {
        start("pools:\n" + pool("app", 1, "127.0.0.1:0", ""), Optional.empty());
        long pid = pid("app", "");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ReloadOutcome outcome = reload("pools:\n" + pool("app", 1, "127.0.0.1:0", "")
                    + pool("added", 1, "127.0.0.1:" + taken.getLocalPort(), ""));
            assertThat(outcome.result()).isEqualTo(ReloadOutcome.Result.REJECTED);
            assertThat(outcome.errors()).singleElement().asString()
                    .startsWith("pool added: cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
        assertThat(server.addresses()).containsOnlyKeys("app");
        await("the new pool's children stopped").atMost(TIMEOUT)
                .until(() -> server.manager().allGenerations().size() == 1);
        assertThat(server.manager().pool("added")).isNull();
        assertThat(pid("app", "")).isEqualTo(pid);
    }

    @Test
    void postReloadOnTheAdminListenerReloadsAndStatusShowsTheNewSize() throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("admin.token"), TOKEN + "\n");
        AdminOptions admin = new AdminOptions(ListenAddress.parse("127.0.0.1:0"),
                Optional.of(AdminToken.readFile(tokenFile)));
        start("pools:\n" + pool("app", 1, "127.0.0.1:0", ""), Optional.of(admin));
        Files.writeString(file, "pools:\n" + pool("app", 2, "127.0.0.1:0", ""));
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + server.adminPort();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/reload"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).startsWith("reloaded: configuration generation 2\n")
                .contains("change: pool app: new generation of children (max_children 1 -> 2)");
        await().atMost(TIMEOUT).until(() -> http.send(HttpRequest.newBuilder(URI.create(base
                        + "/status?pool=app")).build(), HttpResponse.BodyHandlers.ofString()).body(),
                body -> body.lines().anyMatch(l -> l.matches("total processes:\\s+2"))
                        && body.lines().anyMatch(l -> l.matches("idle processes:\\s+2")));
        String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics.lines().filter(l -> l.startsWith("fcgate_pool_max_children{")))
                .containsExactly("fcgate_pool_max_children{pool=\"app\"} 2.0");

        // fcgate reload --pool: the file is checked as fcgate pool checks it (no routes), then POST /reload.
        Files.writeString(file, "pools:\n" + pool("app", 3, "127.0.0.1:0", ""));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = FcgateCommand.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int exit = cmd.execute("reload", "--pool", "--config", file.toString(), "--admin",
                "127.0.0.1:" + server.adminPort(), "--admin-token-file", tokenFile.toString());
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith("reloaded: configuration generation 3\n")
                .contains("change: pool app: new generation of children (max_children 2 -> 3)");
        assertThat(server.manager().pool("app").config().maxChildren()).isEqualTo(3);
    }
}
