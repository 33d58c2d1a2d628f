package org.fcgate.fcgi.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.fcgate.fcgi.client.ClientRequestEncoder;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.fcgi.client.ResponseListener;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sample app as a real child process on a Unix socket, driven by {@link FcgiConnection}. */
class LegacyAppIT {

    @TempDir
    Path dir;

    private Path socket;
    private LegacyAppProcess app;

    @BeforeEach
    void startApp() throws IOException {
        socket = dir.resolve("app.sock");
        app = LegacyAppProcess.onSocket(socket, dir.resolve("app.log"));
    }

    @AfterEach
    void killApp() {
        app.close();
    }

    private FcgiConnection connect() throws IOException {
        return FcgiConnection.open(UnixDomainSocketAddress.of(socket), LegacyAppProcess.PATIENCE);
    }

    private static Params params(String query) {
        return Params.builder().add("SCRIPT_FILENAME", "/srv/legacy.fcgi").add("REQUEST_METHOD", "POST")
                .add("QUERY_STRING", query).build();
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void defaultResponseListsSortedParamsThenBodyFactsAndCountsRequestsInGlobalState() throws Exception {
        byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
        try (FcgiConnection c = connect()) {
            FcgiConnection.Result first = c.execute(params(""), body);
            FcgiConnection.Result second = c.execute(params("a=b"), new byte[0]);

            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
            assertThat(first.head().status()).isEqualTo(200);
            assertThat(first.head().header("Content-Type")).isEqualTo("text/plain; charset=UTF-8");
            assertThat(text(first.body())).isEqualTo("QUERY_STRING=\nREQUEST_METHOD=POST\n"
                    + "SCRIPT_FILENAME=/srv/legacy.fcgi\nbody-length=5\nbody-sha256=" + sha + "\n"
                    + "requests-served=1\npid=" + app.process().pid() + "\n");
            assertThat(first.head().header("Content-Length")).isEqualTo(String.valueOf(first.body().length));
            assertThat(text(second.body())).contains("QUERY_STRING=a=b\n", "requests-served=2\n");
        }
    }

    @Test
    void echoReturnsTheRequestBody() throws Exception {
        byte[] body = new byte[300_000];
        new Random(1).nextBytes(body);
        try (FcgiConnection c = connect()) {
            FcgiConnection.Result r = c.execute(params("echo=1"), body);

            assertThat(r.body()).isEqualTo(body);
            assertThat(r.head().header("Content-Length")).isEqualTo("300000");
        }
    }

    @Test
    void sizeSendsTheDeterministicPatternWithContentLength() throws Exception {
        try (FcgiConnection c = connect()) {
            FcgiConnection.Result r = c.execute(params("size=200003"), new byte[0]);

            byte[] expected = new byte[200_003];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = (byte) ('a' + i % 26);
            }
            assertThat(r.body()).isEqualTo(expected);
            assertThat(r.head().header("Content-Length")).isEqualTo("200003");
        }
    }

    @Test
    void stderrWritesLinesAndOneLongLine() throws Exception {
        try (FcgiConnection c = connect()) {
            FcgiConnection.Result lines = c.execute(params("stderr=3"), new byte[0]);
            FcgiConnection.Result longLine = c.execute(params("stderr-bytes=100000"), new byte[0]);

            assertThat(text(lines.stderr())).isEqualTo("legacy-app stderr line 1 of 3\n"
                    + "legacy-app stderr line 2 of 3\nlegacy-app stderr line 3 of 3\n");
            assertThat(text(longLine.stderr())).isEqualTo("e".repeat(100_000) + "\n");
            assertThat(lines.head().status()).isEqualTo(200);
        }
    }

    @Test
    void statusSetsTheStatusAndAMalformedValueGives500() throws Exception {
        try (FcgiConnection c = connect()) {
            FcgiConnection.Result notFound = c.execute(params("status=404"), new byte[0]);
            FcgiConnection.Result malformed = c.execute(params("status=abc"), new byte[0]);

            assertThat(notFound.head().status()).isEqualTo(404);
            assertThat(notFound.appStatus()).isZero();
            assertThat(malformed.head().status()).isEqualTo(500);
            assertThat(malformed.appStatus()).isEqualTo(1);
            assertThat(text(malformed.stderr())).contains("status must be a number, got 'abc'");
        }
    }

    @Test
    void sleepAnswersAfterwardsAndAnAbortCutsItShort() throws Exception {
        try (FcgiConnection c = connect()) {
            FcgiConnection.Result shortSleep = c.execute(params("sleep=20"), new byte[0]);
            assertThat(shortSleep.head().status()).isEqualTo(200);

            Recorder r = new Recorder();
            c.decoder().register(2, r);
            sendRequest(c, 2, "sleep=3600000");
            app.awaitLog("request 2 sleeping 3600000 ms");
            c.abort(2);
            while (r.status == null) {
                c.readSome();
            }
            assertThat(r.status).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
        }
    }

    @Test
    void crashBeforeClosesTheConnectionWithoutEndRequest() throws Exception {
        try (FcgiConnection c = connect()) {
            assertThatThrownBy(() -> c.execute(params("crash=before"), new byte[0]))
                    .isInstanceOfSatisfying(FcgiProtocolException.class,
                            e -> assertThat(e.reason()).isEqualTo(FcgiProtocolException.Reason.TRUNCATED));
        }
        assertThat(app.awaitExit()).isEqualTo(134);
    }

    @Test
    void crashAfterSendsPartOfTheResponseThenCloses() throws Exception {
        Recorder r = new Recorder();
        try (FcgiConnection c = connect()) {
            c.decoder().register(1, r);
            sendRequest(c, 1, "crash=after");
            assertThatThrownBy(() -> {
                while (true) {
                    c.readSome();
                }
            }).isInstanceOfSatisfying(FcgiProtocolException.class,
                    e -> assertThat(e.reason()).isEqualTo(FcgiProtocolException.Reason.TRUNCATED));
        }
        assertThat(r.stdout.toString(StandardCharsets.UTF_8))
                .startsWith("Status: 200 OK\r\n").endsWith("\r\n\r\npartial response, then a crash\n");
        assertThat(r.status).isNull();
        assertThat(app.awaitExit()).isEqualTo(134);
    }

    @Test
    void exitEndsTheProcessCleanlyAfterACompleteResponse() throws Exception {
        try (FcgiConnection c = connect()) {
            FcgiConnection.Result r = c.execute(params("exit=7"), new byte[0]);

            assertThat(r.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
            assertThat(text(r.body())).contains("requests-served=1");
        }
        assertThat(app.awaitExit()).isEqualTo(7);
        assertThat(socket).as("the shutdown hook removed the socket file").doesNotExist();
    }

    @Test
    void sigtermFinishesTheRequestInProgressThenExits() throws Exception {
        Recorder r = new Recorder();
        try (FcgiConnection c = connect()) {
            c.decoder().register(1, r);
            sendRequest(c, 1, "sleep=500");
            app.awaitLog("request 1 sleeping 500 ms");
            app.process().destroy(); // SIGTERM
            while (r.status == null) {
                c.readSome();
            }
        }
        assertThat(r.status).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
        assertThat(r.stdout.toString(StandardCharsets.UTF_8)).contains("requests-served=1");
        assertThat(app.awaitExit()).isEqualTo(143);
        assertThat(socket).doesNotExist();
    }

    private static void sendRequest(FcgiConnection c, int id, String query) throws IOException {
        ByteBuffer b = ClientRequestEncoder.encode(id, Role.RESPONDER, true, params(query), ByteBuffer.allocate(0));
        c.writeRaw(b);
    }

    /** Collects one response read with {@link FcgiConnection#readSome}. */
    private static final class Recorder implements ResponseListener {
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ProtocolStatus status;

        @Override
        public void onStdout(ByteBuffer chunk) {
            byte[] b = new byte[chunk.remaining()];
            chunk.get(b);
            stdout.write(b, 0, b.length);
        }

        @Override
        public void onStderr(ByteBuffer chunk) {
            chunk.position(chunk.limit());
        }

        @Override
        public void onEnd(int appStatus, ProtocolStatus status) {
            this.status = status;
        }
    }
}
