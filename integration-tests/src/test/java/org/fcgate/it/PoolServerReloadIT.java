package org.fcgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.fcgate.fcgi.client.ClientRequestEncoder;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.fcgi.client.ResponseListener;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.Role;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.it.peer.FcgatePoolProcess;
import org.fcgate.it.peer.NginxProcess;
import org.fcgate.it.peer.ProcessTable;
import org.fcgate.it.peer.SampleAppProcess;
import org.fcgate.it.support.NoLeakedProcesses;
import org.fcgate.it.support.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * R76 for the pool server: {@code java -jar fcgate.jar pool --config FILE} (a static pool of sample-app children on a
 * Unix socket, an admin listener from the file's {@code admin:} keys), reloaded by SIGHUP as php-fpm's master is:
 * <ol>
 *   <li>max_children 2 → 3 while a request is in flight (its body not yet complete, so it is in flight for as long
 *       as the test wants): the status page and {@code /metrics} show 3, new requests go to new children, the request
 *       in flight is answered by its old child, then the old generation's children exit;</li>
 *   <li>an invalid file: rejected with the error logged, generation 2 keeps serving;</li>
 *   <li>a burst of ten SIGHUPs after writing max_children 2: one effective reload.</li>
 * </ol>
 * Driven over FastCGI by {@link FcgiConnection}; SIGTERM at the end leaves no child ({@link NoLeakedProcesses}).
 */
@ExtendWith(NoLeakedProcesses.class)
class PoolServerReloadIT {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Pattern PID = Pattern.compile("(?m)^pid=(\\d+)$");

    @TempDir
    Path dir;

    /** One marker for every file of the test: a changed command would be a pool change of its own. */
    private final String marker = SampleAppProcess.newMarker();

    private String config(Path socket, int adminPort, int children, String extra) {
        return """
                %sshutdown_timeout: 30s
                admin: {listen: 127.0.0.1:%d}
                pools:
                  app:
                    command: %s
                    pm: static
                    max_children: %d
                    kill_grace: 1s
                    listen: unix:%s
                """.formatted(extra, adminPort, TestPools.yamlList(SampleAppProcess.javaCommand(marker)),
                children, socket);
    }

    @Test
    void R76_sighupReplacesThePoolWhileItsRequestInFlightFinishesAndABadFileKeepsItServing() throws Exception {
        Path socket = dir.resolve("app.sock");
        int adminPort = NginxProcess.freeLoopbackPort();
        Path file = Files.writeString(dir.resolve("pools.yaml"), config(socket, adminPort, 2, ""));
        try (FcgatePoolProcess pool = FcgatePoolProcess.start(dir, file, socket)) {
            await("2 children ready").atMost(PATIENCE).until(() -> idle(adminPort) == 2);
            Set<Long> first = pids(adminPort);
            assertThat(first).hasSize(2);
            assertThat(first).contains(pidOf(request(socket)));

            Set<Long> second;
            try (FcgiConnection held = FcgiConnection.open(UnixDomainSocketAddress.of(socket), PATIENCE)) {
                Params p = params();
                ByteBuffer head = ByteBuffer.allocate(ClientRequestEncoder.headSize(p) + 64);
                ClientRequestEncoder.writeHead(head, 1, Role.RESPONDER, false, p);
                ClientRequestEncoder.writeStdin(head, 1, ByteBuffer.wrap("held".getBytes(StandardCharsets.US_ASCII)));
                held.writeRaw(head.flip());
                await("the request is on a child").atMost(PATIENCE).until(() -> field(adminPort,
                        "active processes") == 1);

                Files.writeString(file, config(socket, adminPort, 3, ""));
                pool.signal("HUP", 1);
                await("reload applied").atMost(PATIENCE).until(() -> pool.log()
                        .contains("reload applied: configuration generation 2 in force"));
                assertThat(pool.log()).contains("pool app: new generation of children (max_children 2 -> 3)");

                await("the status page shows the new size").atMost(PATIENCE).until(() -> idle(adminPort) == 3);
                assertThat(field(adminPort, "total processes")).isEqualTo(3);
                assertThat(metric(adminPort, "fcgate_pool_max_children{"))
                        .isEqualTo("fcgate_pool_max_children{pool=\"app\"} 3.0");
                second = pids(adminPort);
                assertThat(second).hasSize(3).doesNotContainAnyElementsOf(first);
                assertThat(second).contains(pidOf(request(socket)));

                ByteBuffer end = ByteBuffer.allocate(Fcgi.HEADER_LEN);
                ClientRequestEncoder.writeStdinEnd(end, 1);
                held.writeRaw(end.flip());
                String answer = readAnswer(held);
                assertThat(answer).as("the request in flight at the reload").contains("body-length=4\n");
                assertThat(first).as("answered by a child of the old generation").contains(pidOf(answer));
            }
            await("the old generation's children exit").atMost(PATIENCE)
                    .until(() -> first.stream().noneMatch(ProcessTable::isRunning));

            // An invalid file: rejected, logged, the pool keeps serving as it was.
            Files.writeString(file, config(socket, adminPort, 3, "bogus_key: 1\n"));
            pool.signal("HUP", 1);
            await("rejected").atMost(PATIENCE).until(() -> pool.log()
                    .contains("reload rejected: 1 error; still serving configuration generation 2"));
            assertThat(pool.log()).contains("reload rejected: " + file + ": bogus_key unknown key");
            Set<Long> stillSecond = pids(adminPort);
            assertThat(stillSecond).isEqualTo(second);
            for (int i = 0; i < 4; i++) {
                assertThat(stillSecond).contains(pidOf(request(socket)));
            }

            // A burst of SIGHUPs: one reload applies the last file, the others find it unchanged.
            Files.writeString(file, config(socket, adminPort, 2, ""));
            pool.signal("HUP", 10);
            await("generation 3").atMost(PATIENCE).until(() -> pool.log()
                    .contains("reload applied: configuration generation 3 in force"));
            await().atMost(PATIENCE).until(() -> idle(adminPort) == 2);
            assertThat(metric(adminPort, "fcgate_pool_max_children{"))
                    .isEqualTo("fcgate_pool_max_children{pool=\"app\"} 2.0");
            assertThat(pool.log()).doesNotContain("configuration generation 4");
            assertThat(pids(adminPort)).doesNotContainAnyElementsOf(stillSecond)
                    .contains(pidOf(request(socket)));
            System.out.printf("pool server reload: generations of children %s, %s, %s%n", first, stillSecond,
                    pids(adminPort));
        }
    }

    private static String status(int adminPort) {
        RawHttp.Response r = RawHttp.exchange(adminPort, "127.0.0.1", RawHttp.Request.get("/status?pool=app&full"));
        assertThat(r.status()).isEqualTo(200);
        return r.bodyText();
    }

    private static int idle(int adminPort) {
        return field(adminPort, "idle processes");
    }

    /** A number field of the pool's status page ({@code idle processes}); -1 when it is not there. */
    private static int field(int adminPort, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":\\s+(\\d+)$").matcher(status(adminPort));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** The pids of the current generation, from the status page's per-process rows. */
    private static Set<Long> pids(int adminPort) {
        return Pattern.compile("(?m)^pid:\\s+(\\d+)$").matcher(status(adminPort)).results()
                .map(m -> Long.parseLong(m.group(1))).collect(Collectors.toSet());
    }

    private static String metric(int adminPort, String prefix) {
        RawHttp.Response r = RawHttp.exchange(adminPort, "127.0.0.1", RawHttp.Request.get("/metrics"));
        return r.bodyText().lines().filter(l -> l.startsWith(prefix)).collect(Collectors.joining("\n"));
    }

    /** One request on a connection of its own; the answer as text. */
    private static String request(Path socket) throws IOException {
        try (FcgiConnection c = FcgiConnection.open(UnixDomainSocketAddress.of(socket), PATIENCE)) {
            FcgiConnection.Result r = c.execute(params(), new byte[0]);
            assertThat(r.head().status()).isEqualTo(200);
            return new String(r.body(), StandardCharsets.UTF_8);
        }
    }

    private static long pidOf(String answer) {
        Matcher m = PID.matcher(answer);
        assertThat(m.find()).as(answer).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** Request 1's answer on {@code c} up to its END_REQUEST: the CGI head and body as text. */
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

    private static Params params() {
        return Params.builder().add("SCRIPT_FILENAME", "/srv/x.app").add("SCRIPT_NAME", "/x.app")
                .add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/x.app").add("QUERY_STRING", "")
                .add("GATEWAY_INTERFACE", "CGI/1.1").build();
    }
}
