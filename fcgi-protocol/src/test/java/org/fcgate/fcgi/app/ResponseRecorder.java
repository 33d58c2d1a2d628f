package org.fcgate.fcgi.app;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.fcgate.fcgi.client.ClientRequestEncoder;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.fcgi.client.ResponseListener;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.RecordEncoder;
import org.fcgate.fcgi.protocol.Role;

/** Records one request's response, for tests that write records by hand with {@link FcgiConnection#writeRaw}. */
final class ResponseRecorder implements ResponseListener {

    final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    int appStatus = -1;
    ProtocolStatus status;

    @Override
    public void onStdout(ByteBuffer chunk) {
        append(stdout, chunk);
    }

    @Override
    public void onStderr(ByteBuffer chunk) {
        append(stderr, chunk);
    }

    @Override
    public void onEnd(int appStatus, ProtocolStatus status) {
        this.appStatus = appStatus;
        this.status = status;
    }

    boolean ended() {
        return status != null;
    }

    String stdoutText() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    String stderrText() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    /** The response as {@link FcgiConnection#execute} would have returned it. */
    FcgiConnection.Result result() {
        return new FcgiConnection.Result(stdout.toByteArray(), stderr.toByteArray(), appStatus, status);
    }

    /** The body after the CGI head, as UTF-8. */
    String bodyText() throws IOException {
        return new String(result().body(), StandardCharsets.UTF_8);
    }

    /** Reads until this request's END_REQUEST. */
    ResponseRecorder readUntilEnded(FcgiConnection c) throws IOException {
        while (!ended()) {
            c.readSome();
        }
        return this;
    }

    /** BEGIN_REQUEST and the whole PARAMS stream. */
    static ByteBuffer head(int requestId, Role role, boolean keepConn, Params params) {
        ByteBuffer b = ByteBuffer.allocate(ClientRequestEncoder.headSize(params));
        ClientRequestEncoder.writeHead(b, requestId, role, keepConn, params);
        return b.flip();
    }

    /** STDIN records carrying {@code body}, without the end of the stream. */
    static ByteBuffer stdin(int requestId, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate((int) RecordEncoder.streamSize(body.length));
        ClientRequestEncoder.writeStdin(b, requestId, ByteBuffer.wrap(body));
        return b.flip();
    }

    static ByteBuffer stdinEnd(int requestId) {
        ByteBuffer b = ByteBuffer.allocate(Fcgi.HEADER_LEN);
        ClientRequestEncoder.writeStdinEnd(b, requestId);
        return b.flip();
    }

    private static void append(ByteArrayOutputStream out, ByteBuffer chunk) {
        byte[] b = new byte[chunk.remaining()];
        chunk.get(b);
        out.write(b, 0, b.length);
    }
}
