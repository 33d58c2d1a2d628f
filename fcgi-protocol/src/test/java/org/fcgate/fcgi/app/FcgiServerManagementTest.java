package org.fcgate.fcgi.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fcgate.fcgi.app.ServerFixture.params;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.fcgate.fcgi.client.ClientResponseDecoder;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.Role;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Management records (§4) and the refusals a non-multiplexing RESPONDER answers with (§5.5). */
class FcgiServerManagementTest {

    @TempDir
    Path dir;

    private final AtomicInteger handled = new AtomicInteger();

    private void hello(FcgiRequest req, FcgiResponse resp) throws IOException {
        handled.incrementAndGet();
        resp.contentType("text/plain");
        resp.body().write(("hello " + req.requestId()).getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @EnumSource(ServerFixture.Transport.class)
    void getValuesAnswersOnlyTheNamesAskedFor(ServerFixture.Transport transport) throws IOException {
        try (ServerFixture f = ServerFixture.start(transport, dir, this::hello);
             FcgiConnection c = f.connect()) {
            Map<String, String> all = c.getValues(Set.of(Fcgi.MAX_CONNS, Fcgi.MAX_REQS, Fcgi.MPXS_CONNS,
                    "FCGI_NOT_A_VARIABLE"));
            Map<String, String> one = c.getValues(Set.of(Fcgi.MPXS_CONNS));

            assertThat(all).containsExactlyInAnyOrderEntriesOf(
                    Map.of(Fcgi.MAX_CONNS, "1", Fcgi.MAX_REQS, "1", Fcgi.MPXS_CONNS, "0"));
            assertThat(one).containsExactlyEntriesOf(Map.of(Fcgi.MPXS_CONNS, "0"));
        }
    }

    @ParameterizedTest
    @EnumSource(ServerFixture.Transport.class)
    void unknownManagementTypeGetsUnknownType(ServerFixture.Transport transport) throws IOException {
        try (ServerFixture f = ServerFixture.start(transport, dir, this::hello);
             FcgiConnection c = f.connect()) {
            int[] answered = {-1};
            c.decoder().expectManagement(new ClientResponseDecoder.ManagementListener() {
                @Override
                public void onGetValuesResult(Params values) {
                    throw new AssertionError("GET_VALUES_RESULT for an unknown type: " + values);
                }

                @Override
                public void onUnknownType(int type) {
                    answered[0] = type;
                }
            });
            byte[] record = new byte[16];
            record[0] = 1;    // version
            record[1] = 42;   // type 42: not defined by FastCGI 1.0
            record[2] = 0;    // request id B1
            record[3] = 0;    // request id B0: 0, a management record
            record[4] = 0;    // content length B1
            record[5] = 3;    // content length B0: 3 bytes of content
            record[6] = 5;    // padding length
            c.writeRaw(ByteBuffer.wrap(record));
            while (answered[0] < 0) {
                c.readSome();
            }

            assertThat(answered[0]).isEqualTo(42);
            assertThat(c.execute(params(""), new byte[0]).protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
        }
    }

    @ParameterizedTest
    @EnumSource(ServerFixture.Transport.class)
    void authorizerRoleGetsUnknownRoleAndTheConnectionStaysUsable(ServerFixture.Transport transport)
            throws IOException {
        try (ServerFixture f = ServerFixture.start(transport, dir, this::hello);
             FcgiConnection c = f.connect()) {
            FcgiConnection.Result refused = c.execute(1, Role.AUTHORIZER, true, params(""), new byte[0]);
            FcgiConnection.Result served = c.execute(2, Role.RESPONDER, true, params(""), new byte[0]);

            assertThat(refused.protocolStatus()).isEqualTo(ProtocolStatus.UNKNOWN_ROLE);
            assertThat(refused.stdout()).isEmpty();
            assertThat(served.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
            assertThat(new String(served.body(), StandardCharsets.UTF_8)).isEqualTo("hello 2");
            assertThat(handled).hasValue(1);
        }
    }

    @ParameterizedTest
    @EnumSource(ServerFixture.Transport.class)
    void authorizerIsServedWhenConfigured(ServerFixture.Transport transport) throws IOException {
        FcgiServer.Builder b = FcgiServer.builder().handler(this::hello).roles(Role.RESPONDER, Role.AUTHORIZER);
        try (ServerFixture f = ServerFixture.start(b, transport, dir);
             FcgiConnection c = f.connect()) {
            FcgiConnection.Result r = c.execute(1, Role.AUTHORIZER, true, params(""), new byte[0]);

            assertThat(r.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
            assertThat(handled).hasValue(1);
        }
    }

    @ParameterizedTest
    @EnumSource(ServerFixture.Transport.class)
    void secondBeginRequestOnABusyConnectionGetsCantMpxConn(ServerFixture.Transport transport) throws IOException {
        try (ServerFixture f = ServerFixture.start(transport, dir, (req, resp) -> {
            byte[] body = req.body().readAllBytes(); // blocks until the test ends request 1's STDIN
            resp.contentType("text/plain");
            resp.body().write(body);
        }); FcgiConnection c = f.connect()) {
            ResponseRecorder first = new ResponseRecorder();
            ResponseRecorder second = new ResponseRecorder();
            c.decoder().register(1, first);
            c.decoder().register(2, second);
            c.writeRaw(ResponseRecorder.head(1, Role.RESPONDER, true, params("")));
            c.writeRaw(ResponseRecorder.stdin(1, "part one ".getBytes(StandardCharsets.UTF_8)));
            c.writeRaw(ResponseRecorder.head(2, Role.RESPONDER, true, params("")));
            c.writeRaw(ResponseRecorder.stdinEnd(2));
            second.readUntilEnded(c);

            assertThat(second.status).isEqualTo(ProtocolStatus.CANT_MPX_CONN);
            assertThat(first.ended()).isFalse();

            c.writeRaw(ResponseRecorder.stdin(1, "part two".getBytes(StandardCharsets.UTF_8)));
            c.writeRaw(ResponseRecorder.stdinEnd(1));
            first.readUntilEnded(c);

            assertThat(first.status).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
            assertThat(first.stdoutText()).endsWith("\r\n\r\npart one part two");
        }
    }
}
