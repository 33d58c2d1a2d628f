package org.fcgate.gateway.poolserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.fcgate.fcgi.client.ClientRequestEncoder;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.fcgi.client.ResponseListener;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.Role;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.support.CollidingNames;
import org.fcgate.gateway.support.LeakTracker;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.pool.Pool;
import org.fcgate.pool.status.ChildState;
import org.fcgate.pool.status.ExitReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code fcgate pool} in process, driven with the blocking FastCGI client: pool {@code app} (two sample-app children,
 * request_terminate_timeout 2 s) on a Unix socket, pool {@code one} (one child, no queue) on TCP 127.0.0.1:0. After
 * every case both pools are back to all children idle and no Netty buffer leaked.
 */
class PoolServerIT {

    static {
        LeakTracker.install();
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Path SOCKET = Path.of("/tmp", "fcgw-ps-" + ProcessHandle.current().pid() + ".sock");

    private static RunningPoolServer server;
    private static Pool app;
    private static Pool one;
    private static SocketAddress appAddress;
    private static SocketAddress oneAddress;

    @BeforeAll
    static void start() throws Exception {
        String command = TestPools.legacyAppYaml();
        var pools = ConfigLoader.create().parsePools("""
                pools:
                  app:
                    command: %s
                    pm: static
                    max_children: 2
                    request_terminate_timeout: 2s
                    listen: unix:%s
                    listen_mode: "0660"
                  one:
                    command: %s
                    pm: static
                    max_children: 1
                    max_queue: 0
                    listen: 127.0.0.1:0
                  unexposed:
                    command: [/bin/false]
                """.formatted(command, SOCKET, command), Path.of("/tmp"));
        assertThat(pools.pools()).hasSize(3);
        server = RunningPoolServer.start(pools.listening(), TestPools.managers(), Optional.empty());
        app = server.manager().pool("app");
        one = server.manager().pool("one");
        assertThat(server.manager().pools()).hasSize(2);
        appAddress = UnixDomainSocketAddress.of(SOCKET);
        String tcp = server.addresses().get("one");
        oneAddress = new InetSocketAddress("127.0.0.1", Integer.parseInt(tcp.substring(tcp.lastIndexOf(':') + 1)));
        awaitIdle();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        assertThat(SOCKET).doesNotExist();
    }

    @AfterEach
    void invariants() {
        awaitIdle();
        assertThat(LeakTracker.collect()).as("Netty buffer leaks").isEmpty();
    }

    private static void awaitIdle() {
        await().atMost(Duration.ofSeconds(30)).until(() -> app.snapshot().count(ChildState.IDLE) == 2
                && one.snapshot().count(ChildState.IDLE) == 1);
    }

    @Test
    void unixSocketHasTheListenMode() throws Exception {
        assertThat(server.addresses()).containsEntry("app", "unix:" + SOCKET);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(SOCKET))).isEqualTo("rw-rw----");
    }

    @Test
    void getValuesIsAnsweredForThePool() throws Exception {
        try (FcgiConnection c = FcgiConnection.open(appAddress, TIMEOUT)) {
            assertThat(c.getValues(Set.of(Fcgi.MAX_CONNS, Fcgi.MAX_REQS, Fcgi.MPXS_CONNS, "UNKNOWN_NAME")))
                    .isEqualTo(Map.of(Fcgi.MAX_CONNS, "102", Fcgi.MAX_REQS, "102", Fcgi.MPXS_CONNS, "0"));
            // The connection goes on: a request after the management record.
            assertThat(status(c.execute(params("/a.app", ""), new byte[0]))).isEqualTo(200);
        }
        try (FcgiConnection c = FcgiConnection.open(oneAddress, TIMEOUT)) {
            assertThat(c.getValues(Set.of(Fcgi.MAX_REQS))).isEqualTo(Map.of(Fcgi.MAX_REQS, "1"));
        }
    }

    @Test
    void keepConnRequestsRunSequentiallyOnOneConnection() throws Exception {
        for (SocketAddress address : List.of(appAddress, oneAddress)) {
            try (FcgiConnection c = FcgiConnection.open(address, TIMEOUT)) {
                for (int i = 0; i < 3; i++) {
                    FcgiConnection.Result r = c.execute(params("/seq" + i + ".app", "stderr=1"), new byte[0]);
                    assertThat(r.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
                    assertThat(status(r)).isEqualTo(200);
                    assertThat(new String(r.body(), StandardCharsets.UTF_8))
                            .contains("REQUEST_URI=/seq" + i + ".app?stderr=1\n");
                    assertThat(new String(r.stderr(), StandardCharsets.UTF_8)).contains("legacy-app stderr line 1");
                }
            }
        }
    }

    @Test
    void withoutKeepConnTheConnectionIsClosedAfterTheRequest() throws Exception {
        try (FcgiConnection c = FcgiConnection.open(appAddress, TIMEOUT)) {
            FcgiConnection.Result r = c.execute(1, Role.RESPONDER, false, params("/close.app", ""), new byte[0]);
            assertThat(status(r)).isEqualTo(200);
            org.assertj.core.api.Assertions.assertThatThrownBy(c::readSome).isInstanceOf(EOFException.class);
        }
    }

    @Test
    void oneMebibyteBodyArrivesIntact() throws Exception {
        byte[] body = new byte[1024 * 1024];
        new Random(42).nextBytes(body);
        try (FcgiConnection c = FcgiConnection.open(appAddress, TIMEOUT)) {
            Params p = Params.builder().add("SCRIPT_FILENAME", "/x.app").add("REQUEST_METHOD", "POST")
                    .add("REQUEST_URI", "/post.app").add("QUERY_STRING", "")
                    .add("CONTENT_LENGTH", Integer.toString(body.length)).build();
            FcgiConnection.Result r = c.execute(p, body);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("body-length=1048576\n",
                    "body-sha256=" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
            // and a 1 MiB response back on the same connection
            FcgiConnection.Result big = c.execute(params("/big.app", "size=1048576"), new byte[0]);
            assertThat(big.body()).hasSize(1024 * 1024);
        }
    }

    @Test
    void secondBeginRequestWhileOneRunsIsCantMpxConn() throws Exception {
        try (FcgiConnection c = FcgiConnection.open(appAddress, TIMEOUT)) {
            List<String> events = new ArrayList<>();
            c.decoder().register(1, listener(events, 1));
            c.decoder().register(2, listener(events, 2));
            c.writeRaw(ClientRequestEncoder.encode(1, Role.RESPONDER, true, params("/slow.app", "sleep=3000"),
                    ByteBuffer.allocate(0)));
            c.writeRaw(ClientRequestEncoder.encode(2, Role.RESPONDER, true, params("/b.app", ""),
                    ByteBuffer.allocate(0)));
            while (events.size() < 2) {
                c.readSome();
            }
            assertThat(events).containsExactly("2:CANT_MPX_CONN", "1:REQUEST_COMPLETE");
            c.decoder().forget(1);
            c.decoder().forget(2);
            assertThat(status(c.execute(params("/after.app", ""), new byte[0]))).isEqualTo(200);
        }
    }

    @Test
    void refusedByThePoolIsOverloaded() throws Exception {
        try (FcgiConnection busy = FcgiConnection.open(oneAddress, TIMEOUT);
             FcgiConnection refused = FcgiConnection.open(oneAddress, TIMEOUT)) {
            long before = one.snapshot().counters().rejectedQueueFull();
            CompletableFuture<FcgiConnection.Result> running = CompletableFuture.supplyAsync(() -> {
                try {
                    return busy.execute(params("/busy.app", "sleep=5000"), new byte[0]);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(TIMEOUT).until(() -> one.snapshot().count(ChildState.BUSY) == 1);
            FcgiConnection.Result r = refused.execute(params("/refused.app", ""), new byte[0]);
            assertThat(r.protocolStatus()).isEqualTo(ProtocolStatus.OVERLOADED);
            assertThat(r.stdout()).isEmpty();
            assertThat(one.snapshot().counters().rejectedQueueFull()).isEqualTo(before + 1);
            assertThat(status(running.get())).isEqualTo(200);
            // The refused connection stays usable (KEEP_CONN).
            assertThat(status(refused.execute(params("/again.app", ""), new byte[0]))).isEqualTo(200);
        }
    }

    @Test
    void childCrashBeforeOutputIs502AndTheConnectionGoesOn() throws Exception {
        try (FcgiConnection c = FcgiConnection.open(appAddress, TIMEOUT)) {
            FcgiConnection.Result r = c.execute(params("/crash.app", "crash=before"), new byte[0]);
            assertThat(r.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
            assertThat(status(r)).isEqualTo(502);
            assertThat(status(c.execute(params("/next.app", ""), new byte[0]))).isEqualTo(200);
        }
    }

    @Test
    void childCrashAfterOutputCutsTheConnection() throws Exception {
        try (FcgiConnection c = FcgiConnection.open(appAddress, TIMEOUT)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> c.execute(params("/crash.app", "crash=after"), new byte[0])).isInstanceOf(IOException.class);
        }
    }

    @Test
    void requestTimeoutIs504() throws Exception {
        long timedOut = app.snapshot().counters().exits(ExitReason.TIMEOUT);
        try (FcgiConnection c = FcgiConnection.open(appAddress, TIMEOUT)) {
            FcgiConnection.Result r = c.execute(params("/slow.app", "sleep=15000"), new byte[0]);
            assertThat(status(r)).isEqualTo(504);
            assertThat(status(c.execute(params("/next.app", ""), new byte[0]))).isEqualTo(200);
        }
        await().atMost(TIMEOUT).until(() -> app.snapshot().counters().exits(ExitReason.TIMEOUT) == timedOut + 1);
    }

    /**
     * The web server leaving mid-request is passed on as ABORT_REQUEST (§5.4); the sample app honours it (its sleep
     * ends), answers END_REQUEST within the grace, and is kept instead of being killed and replaced. (nginx closes
     * kept connections once a body reached its Content-Length, racing the child's last records: killing the child
     * there cost a healthy process per request.)
     */
    @Test
    void webServerClosingMidRequestAbortsTheChildWhichIsKeptWhenItAnswers() throws Exception {
        long broken = app.snapshot().counters().exits(ExitReason.BROKEN);
        long spawns = app.snapshot().counters().spawns();
        try (FcgiConnection c = FcgiConnection.open(appAddress, TIMEOUT)) {
            c.writeRaw(ClientRequestEncoder.encode(1, Role.RESPONDER, true, params("/gone.app", "sleep=5000"),
                    ByteBuffer.allocate(0)));
            await().atMost(TIMEOUT).until(() -> app.snapshot().count(ChildState.BUSY) == 1);
        }
        await().atMost(TIMEOUT).until(() -> app.snapshot().count(ChildState.BUSY) == 0
                && app.snapshot().count(ChildState.IDLE) >= 1);
        assertThat(app.snapshot().counters().exits(ExitReason.BROKEN)).isEqualTo(broken);
        assertThat(app.snapshot().counters().spawns()).isEqualTo(spawns);
    }

    @Test
    void abortRequestIsAnsweredAndTheChildReplaced() throws Exception {
        long broken = app.snapshot().counters().exits(ExitReason.BROKEN);
        try (FcgiConnection c = FcgiConnection.open(appAddress, TIMEOUT)) {
            List<String> events = new ArrayList<>();
            c.decoder().register(1, listener(events, 1));
            c.writeRaw(ClientRequestEncoder.encode(1, Role.RESPONDER, true, params("/abort.app", "sleep=5000"),
                    ByteBuffer.allocate(0)));
            await().atMost(TIMEOUT).until(() -> app.snapshot().count(ChildState.BUSY) == 1);
            c.abort(1);
            while (events.isEmpty()) {
                c.readSome();
            }
            assertThat(events).containsExactly("1:REQUEST_COMPLETE");
            c.decoder().forget(1);
            assertThat(status(c.execute(params("/after.app", ""), new byte[0]))).isEqualTo(200);
        }
        await().atMost(TIMEOUT).until(() -> app.snapshot().counters().exits(ExitReason.BROKEN) == broken + 1);
    }

    /**
     * R15 over FastCGI: 8,000 PARAMS whose names collide in {@code String.hashCode} ({@link CollidingNames}). The pool
     * server's decoder stops at the pair-count limit ({@code FcgiLimits}, 1,000 pairs) and closes the connection: no
     * answer, no child leased, and the next connection is served.
     */
    @Test
    void R15_eightThousandParamNamesCollidingInStringHashCodeCloseTheConnection() throws Exception {
        long leases = app.snapshot().counters().leases();
        Params.Builder p = Params.builder();
        params("/flood.app", "").pairs().forEach(p::add);
        CollidingNames.of(8_000).forEach(n -> p.add(n, "1"));
        try (FcgiConnection c = FcgiConnection.open(appAddress, TIMEOUT)) {
            try {
                c.writeRaw(ClientRequestEncoder.encode(1, Role.RESPONDER, true, p.build(), ByteBuffer.allocate(0)));
            } catch (IOException e) {
                // closed while the rest was still being written: what counts is what comes back
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
                while (true) {
                    c.readSome();
                }
            }).as("closed without an answer, not left waiting").isInstanceOf(IOException.class)
                    .isNotInstanceOf(InterruptedIOException.class);
        }
        assertThat(app.snapshot().counters().leases()).isEqualTo(leases);
        try (FcgiConnection c = FcgiConnection.open(appAddress, TIMEOUT)) {
            assertThat(status(c.execute(params("/after.app", ""), new byte[0]))).isEqualTo(200);
        }
    }

    /**
     * R15 at the limit: 1,000 PARAMS (the pair-count limit), all but the request's own 6 with names colliding in
     * {@code String.hashCode}, are relayed to the child, whose parameter map takes them all; each comes back once.
     */
    @Test
    void R15_paramNamesCollidingInStringHashCodeUpToTheCountLimitAreServedEachOnce() throws Exception {
        Params request = params("/collide.app", "");
        List<String> names = CollidingNames.of(FcgiLimits.DEFAULT_MAX_PARAM_COUNT - request.size());
        Params.Builder p = Params.builder();
        request.pairs().forEach(p::add);
        names.forEach(n -> p.add(n, "v-" + n));
        try (FcgiConnection c = FcgiConnection.open(appAddress, TIMEOUT)) {
            FcgiConnection.Result r = c.execute(p.build(), new byte[0]);
            assertThat(status(r)).isEqualTo(200);
            assertThat(new String(r.body(), StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith("AO") || l.startsWith("B0")))
                    .containsExactlyInAnyOrderElementsOf(names.stream().map(n -> n + "=v-" + n).toList());
        }
    }

    private static ResponseListener listener(List<String> events, int id) {
        return new ResponseListener() {
            @Override
            public void onStdout(ByteBuffer chunk) {
            }

            @Override
            public void onStderr(ByteBuffer chunk) {
            }

            @Override
            public void onEnd(int appStatus, ProtocolStatus status) {
                events.add(id + ":" + status);
            }
        };
    }

    private static Params params(String uri, String query) {
        return Params.builder().add("SCRIPT_FILENAME", "/srv" + uri).add("SCRIPT_NAME", uri)
                .add("REQUEST_METHOD", "GET").add("REQUEST_URI", uri + (query.isEmpty() ? "" : "?" + query))
                .add("QUERY_STRING", query).add("GATEWAY_INTERFACE", "CGI/1.1").build();
    }

    private static int status(FcgiConnection.Result r) throws IOException {
        return r.head().status();
    }
}
