package org.fcgate.fcgi.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.fcgate.fcgi.app.ServerFixture.params;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.fcgate.fcgi.client.ClientRequestEncoder;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.fcgi.client.ResponseListener;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Connection handling: FCGI_KEEP_CONN (§5.1), protocol errors, one request at a time, stop. */
class FcgiServerConnectionTest {

    @TempDir
    Path dir;

    private final AtomicInteger served = new AtomicInteger();

    private void count(FcgiRequest req, FcgiResponse resp) throws IOException {
        int n = served.incrementAndGet();
        resp.contentType("text/plain");
        resp.body().write(("request " + n).getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @EnumSource(ServerFixture.Transport.class)
    void withoutKeepConnTheServerClosesAfterEndRequest(ServerFixture.Transport transport) throws IOException {
        try (ServerFixture f = ServerFixture.start(transport, dir, this::count);
             FcgiConnection c = f.connect()) {
            FcgiConnection.Result r = c.execute(1, Role.RESPONDER, false, params(""), new byte[0]);

            assertThat(r.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
            assertThatThrownBy(c::readSome).isInstanceOf(EOFException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(ServerFixture.Transport.class)
    void withKeepConnSeveralRequestsShareOneConnection(ServerFixture.Transport transport) throws IOException {
        try (ServerFixture f = ServerFixture.start(transport, dir, this::count);
             FcgiConnection c = f.connect()) {
            List<String> bodies = new ArrayList<>();
            for (int id : new int[] {1, 1, 2, 65535}) {
                bodies.add(new String(c.execute(id, Role.RESPONDER, true, params(""), new byte[0]).body(),
                        StandardCharsets.UTF_8));
            }

            assertThat(bodies).containsExactly("request 1", "request 2", "request 3", "request 4");
            assertThat(f.server().connectionsAccepted()).isEqualTo(1);
        }
    }

    /**
     * A web server that writes its next request ahead on the kept connection (fcgate's {@code write_ahead}) while the
     * current one is still being served: the reader, which keeps reading during a request, waits for the current
     * request's END_REQUEST instead of failing the connection on the id still in use; both answers come in order.
     */
    @ParameterizedTest
    @EnumSource(ServerFixture.Transport.class)
    void aRequestWrittenAheadIsServedAfterTheCurrentOne(ServerFixture.Transport transport) throws Exception {
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch finishFirst = new CountDownLatch(1);
        FcgiHandler handler = (req, resp) -> {
            String query = req.param("QUERY_STRING");
            if (query.equals("first")) {
                firstRunning.countDown();
                try {
                    finishFirst.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            resp.contentType("text/plain");
            resp.body().write(("answer to " + query).getBytes(StandardCharsets.UTF_8));
        };
        try (ServerFixture f = ServerFixture.start(transport, dir, handler);
             FcgiConnection c = f.connect()) {
            ResponseRecorder first = new ResponseRecorder();
            ResponseRecorder second = new ResponseRecorder();
            c.decoder().register(1, new ResponseListener() {
                @Override
                public void onStdout(ByteBuffer chunk) {
                    first.onStdout(chunk);
                }

                @Override
                public void onStderr(ByteBuffer chunk) {
                    first.onStderr(chunk);
                }

                @Override
                public void onEnd(int appStatus, ProtocolStatus status) {
                    first.onEnd(appStatus, status);
                    c.decoder().register(1, second); // the id is reused at once, as the gateway does
                }
            });
            c.writeRaw(ClientRequestEncoder.encode(1, Role.RESPONDER, true, params("first"), ByteBuffer.allocate(0)));
            assertThat(firstRunning.await(30, TimeUnit.SECONDS)).isTrue();
            c.writeRaw(ClientRequestEncoder.encode(1, Role.RESPONDER, true, params("second"), ByteBuffer.allocate(0)));
            finishFirst.countDown();
            while (!second.ended()) {
                c.readSome();
            }

            assertThat(first.status).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
            assertThat(first.bodyText()).isEqualTo("answer to first");
            assertThat(second.status).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
            assertThat(second.bodyText()).isEqualTo("answer to second");
            assertThat(f.server().connectionsAccepted()).isEqualTo(1);
            assertThat(f.server().protocolErrors()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(ServerFixture.Transport.class)
    void protocolGarbageClosesTheConnectionAndTheNextConnectionIsServed(ServerFixture.Transport transport)
            throws IOException {
        try (ServerFixture f = ServerFixture.start(transport, dir, this::count)) {
            try (FcgiConnection bad = f.connect()) {
                bad.writeRaw(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                assertThatThrownBy(bad::readSome).isInstanceOf(EOFException.class);
            }
            try (FcgiConnection good = f.connect()) {
                assertThat(good.execute(params(""), new byte[0]).body()).asString().isEqualTo("request 1");
            }
            assertThat(f.server().protocolErrors()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(ServerFixture.Transport.class)
    void requestsFromConcurrentConnectionsAreServedOneAtATime(ServerFixture.Transport transport) throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        CountDownLatch othersSent = new CountDownLatch(1);
        FcgiHandler handler = (req, resp) -> {
            maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try {
                if (req.param("QUERY_STRING").equals("gate")) {
                    // Hold the server until the other clients' requests are on their sockets: a server that
                    // ran them concurrently would enter this handler again now.
                    othersSent.await();
                }
                byte[] body = req.body().readAllBytes();
                resp.contentType("text/plain");
                resp.body().write(body);
            } finally {
                inside.decrementAndGet();
            }
        };
        int clients = 2;
        int requestsEach = 10;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try (ServerFixture f = ServerFixture.start(transport, dir, handler);
             FcgiConnection gate = f.connect()) {
            ResponseRecorder gated = new ResponseRecorder();
            gate.decoder().register(1, gated);
            gate.writeRaw(ResponseRecorder.head(1, Role.RESPONDER, false, params("gate")));
            gate.writeRaw(ResponseRecorder.stdinEnd(1));
            await().until(() -> inside.get() == 1);
            List<Future<List<String>>> results = new ArrayList<>();
            CountDownLatch firstSent = new CountDownLatch(clients);
            for (int client = 0; client < clients; client++) {
                int id = client;
                results.add(pool.submit(() -> {
                    List<String> bodies = new ArrayList<>();
                    for (int i = 0; i < requestsEach; i++) {
                        byte[] body = ("client " + id + " request " + i).getBytes(StandardCharsets.UTF_8);
                        try (FcgiConnection c = f.connect()) {
                            ResponseRecorder r = new ResponseRecorder();
                            c.decoder().register(1, r);
                            c.writeRaw(ResponseRecorder.head(1, Role.RESPONDER, false, params("x")));
                            c.writeRaw(ResponseRecorder.stdin(1, body));
                            c.writeRaw(ResponseRecorder.stdinEnd(1));
                            if (i == 0) {
                                firstSent.countDown(); // the whole request is in the socket buffers
                            }
                            bodies.add(r.readUntilEnded(c).bodyText());
                        }
                    }
                    return bodies;
                }));
            }
            firstSent.await();
            othersSent.countDown();
            gated.readUntilEnded(gate);

            for (int client = 0; client < clients; client++) {
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < requestsEach; i++) {
                    expected.add("client " + client + " request " + i);
                }
                assertThat(results.get(client).get(60, TimeUnit.SECONDS)).containsExactlyElementsOf(expected);
            }
            assertThat(maxInside).hasValue(1);
            // The server counts a request after its END_REQUEST is written, so the client may see the end first.
            await().untilAsserted(() ->
                    assertThat(f.server().requestsServed()).isEqualTo(1 + clients * requestsEach));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void stopLetsTheRequestInProgressFinish() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger entered = new AtomicInteger();
        try (ServerFixture f = ServerFixture.start(ServerFixture.Transport.UNIX, dir, (req, resp) -> {
            entered.incrementAndGet();
            release.await();
            resp.contentType("text/plain");
            resp.body().write("finished".getBytes(StandardCharsets.UTF_8));
        }); FcgiConnection c = f.connect()) {
            ResponseRecorder r = new ResponseRecorder();
            c.decoder().register(1, r);
            c.writeRaw(ResponseRecorder.head(1, Role.RESPONDER, true, params("")));
            c.writeRaw(ResponseRecorder.stdinEnd(1));
            await().until(() -> entered.get() == 1);
            Thread stopper = new Thread(() -> {
                try {
                    f.server().stop();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            stopper.start();
            await().until(() -> f.server().state() == FcgiServer.State.STOPPING);
            assertThat(stopper.isAlive()).as("stop() waits for the request in progress").isTrue();
            release.countDown();
            r.readUntilEnded(c);
            stopper.join();

            assertThat(r.status).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
            assertThat(r.stdoutText()).endsWith("finished");
            assertThatThrownBy(c::readSome).as("a stopping server closes the kept connection")
                    .isInstanceOf(EOFException.class);
            assertThat(dir.resolve("app.sock")).doesNotExist();
        }
    }
}
