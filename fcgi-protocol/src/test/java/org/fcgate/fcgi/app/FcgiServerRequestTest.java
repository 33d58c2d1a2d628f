package org.fcgate.fcgi.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.fcgate.fcgi.app.ServerFixture.params;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.fcgi.client.ResponseHead;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** One request end to end: params, body, CGI head, output records, failures and aborts. */
class FcgiServerRequestTest {

    @TempDir
    Path dir;

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    @ParameterizedTest
    @EnumSource(ServerFixture.Transport.class)
    void oneMebibytePostBodyIsStreamedToTheHandlerAndHashed(ServerFixture.Transport transport) throws Exception {
        byte[] body = new byte[1024 * 1024];
        new Random(42).nextBytes(body);
        try (ServerFixture f = ServerFixture.start(transport, dir, (req, resp) -> {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            long length = 0;
            byte[] buf = new byte[5000]; // odd size: reads straddle records and the pipe's ring
            InputStream in = req.body();
            for (int n; (n = in.read(buf)) >= 0; length += n) {
                digest.update(buf, 0, n);
            }
            resp.contentType("text/plain");
            resp.body().write((length + " " + HexFormat.of().formatHex(digest.digest()))
                    .getBytes(StandardCharsets.UTF_8));
        }); FcgiConnection c = f.connect()) {
            FcgiConnection.Result r = c.execute(params(""), body);

            assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(body.length + " " + sha256(body));
        }
    }

    @Test
    void largeOutputArrivesWholeThroughRecordsOfAtMost65535Bytes() throws Exception {
        byte[] out = new byte[3 * 65535 + 17];
        new Random(7).nextBytes(out);
        try (ServerFixture f = ServerFixture.start(ServerFixture.Transport.UNIX, dir, (req, resp) -> {
            resp.contentType("application/octet-stream");
            OutputStream body = resp.body();
            body.write(out, 0, 10);                // buffered
            body.write(out, 10, 70_000);           // larger than the buffer: sent directly
            body.write(out, 70_010, out.length - 70_010);
        }); FcgiConnection c = f.connect()) {
            // The client's decoder rejects a record over 65535 content bytes, so arriving is the check.
            FcgiConnection.Result r = c.execute(params(""), new byte[0]);

            assertThat(r.body()).isEqualTo(out);
        }
    }

    @Test
    void statusAndHeadersAreWrittenAsACgiHead() throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.Transport.TCP, dir, (req, resp) ->
                resp.status(404).contentType("text/html").header("X-Req", req.param("QUERY_STRING"))
                        .header("X-Req", "again"));
             FcgiConnection c = f.connect()) {
            FcgiConnection.Result r = c.execute(params("q=1"), new byte[0]);

            assertThat(new String(r.stdout(), StandardCharsets.ISO_8859_1)).isEqualTo(
                    "Status: 404 Not Found\r\nContent-Type: text/html\r\nX-Req: q=1\r\nX-Req: again\r\n\r\n");
            ResponseHead head = r.head();
            assertThat(head.status()).isEqualTo(404);
            assertThat(r.appStatus()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(ServerFixture.Transport.class)
    void handlerExceptionBeforeOutputBecomes500WithAnErrorLogLine(ServerFixture.Transport transport)
            throws Exception {
        try (ServerFixture f = ServerFixture.start(transport, dir, (req, resp) -> {
            if (req.param("QUERY_STRING").equals("fail")) {
                resp.status(201).header("X-Partial", "yes");
                resp.body().write("half".getBytes(StandardCharsets.UTF_8)); // buffered, never reaches the socket
                throw new IllegalStateException("boom");
            }
            resp.contentType("text/plain");
            resp.body().write("fine".getBytes(StandardCharsets.UTF_8));
        }); FcgiConnection c = f.connect()) {
            FcgiConnection.Result failed = c.execute(params("fail"), new byte[0]);
            FcgiConnection.Result next = c.execute(params("ok"), new byte[0]);

            assertThat(failed.head().status()).isEqualTo(500);
            assertThat(failed.head().header("X-Partial")).isNull();
            assertThat(new String(failed.body(), StandardCharsets.UTF_8)).isEqualTo("500 Internal Server Error\n");
            assertThat(new String(failed.stderr(), StandardCharsets.UTF_8))
                    .isEqualTo("fcgi handler failed for /srv/app/index.fcgi: java.lang.IllegalStateException: boom\n");
            assertThat(failed.appStatus()).isEqualTo(1);
            assertThat(failed.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
            assertThat(new String(next.body(), StandardCharsets.UTF_8)).isEqualTo("fine");
            assertThat(next.appStatus()).isZero();
        }
    }

    @Test
    void handlerExceptionAfterOutputWasSentKeepsTheStatusAndEndsWithAppStatus1() throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.Transport.UNIX, dir, (req, resp) -> {
            resp.contentType("text/plain");
            resp.body().write("sent".getBytes(StandardCharsets.UTF_8));
            resp.body().flush();
            throw new IOException("disk gone");
        }); FcgiConnection c = f.connect()) {
            FcgiConnection.Result r = c.execute(params(""), new byte[0]);

            assertThat(r.head().status()).isEqualTo(200);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("sent");
            assertThat(new String(r.stderr(), StandardCharsets.UTF_8)).contains("java.io.IOException: disk gone");
            assertThat(r.appStatus()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(ServerFixture.Transport.class)
    void abortMidBodyFailsTheBodyStreamDiscardsOutputAndEndsTheRequest(ServerFixture.Transport transport)
            throws Exception {
        AtomicReference<Exception> bodyFailure = new AtomicReference<>();
        AtomicReference<Boolean> abortedSeen = new AtomicReference<>();
        try (ServerFixture f = ServerFixture.start(transport, dir, (req, resp) -> {
            resp.contentType("text/plain");
            try {
                req.body().readAllBytes();
            } catch (RequestAbortedException e) {
                bodyFailure.set(e);
            }
            if (req.requestId() == 1) {
                abortedSeen.set(req.isAborted());
            }
            resp.body().write("nobody reads this".getBytes(StandardCharsets.UTF_8));
        }); FcgiConnection c = f.connect()) {
            ResponseRecorder r = new ResponseRecorder();
            c.decoder().register(1, r);
            c.writeRaw(ResponseRecorder.head(1, Role.RESPONDER, true, params("")));
            c.writeRaw(ResponseRecorder.stdin(1, new byte[1000]));
            c.abort(1);
            r.readUntilEnded(c);
            FcgiConnection.Result next = c.execute(2, Role.RESPONDER, true, params(""), new byte[0]);

            assertThat(r.status).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
            assertThat(r.stdout.size()).isZero();
            assertThat(bodyFailure.get()).hasMessageContaining("FCGI_ABORT_REQUEST");
            assertThat(abortedSeen.get()).isTrue();
            assertThat(next.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
        }
    }

    @Test
    void abortReachesAHandlerThatIsComputing() throws Exception {
        AtomicBoolean computing = new AtomicBoolean();
        try (ServerFixture f = ServerFixture.start(ServerFixture.Transport.UNIX, dir, (req, resp) -> {
            req.body().readAllBytes();
            computing.set(true);
            await().until(req::isAborted); // a long computation that checks for an abort now and then
        }); FcgiConnection c = f.connect()) {
            ResponseRecorder r = new ResponseRecorder();
            c.decoder().register(1, r);
            c.writeRaw(ResponseRecorder.head(1, Role.RESPONDER, true, params("")));
            c.writeRaw(ResponseRecorder.stdinEnd(1));
            await().untilTrue(computing);
            c.abort(1);
            r.readUntilEnded(c);

            assertThat(r.status).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
            assertThat(r.appStatus).isZero();
        }
    }

    @Test
    void abortBeforeParamsEndEndsTheRequestWithoutCallingTheHandler() throws Exception {
        Params params = params("");
        try (ServerFixture f = ServerFixture.start(ServerFixture.Transport.UNIX, dir, (req, resp) -> {
            throw new AssertionError("handler called for an aborted request");
        }); FcgiConnection c = f.connect()) {
            ResponseRecorder r = new ResponseRecorder();
            c.decoder().register(1, r);
            ByteBuffer head = ResponseRecorder.head(1, Role.RESPONDER, true, params);
            head.limit(head.limit() - 8); // everything but the empty PARAMS record
            c.writeRaw(head);
            c.abort(1);
            r.readUntilEnded(c);

            assertThat(r.status).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
            assertThat(r.stdout.size()).isZero();
            assertThat(f.server().requestsServed()).isZero();
        }
    }
}
