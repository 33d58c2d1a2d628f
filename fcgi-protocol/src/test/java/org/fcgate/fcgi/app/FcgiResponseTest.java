package org.fcgate.fcgi.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import org.fcgate.fcgi.client.ClientResponseDecoder;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.RecordType;
import org.junit.jupiter.api.Test;

/** The response's lifecycle and head validation, against an in-memory channel decoded by the client decoder. */
class FcgiResponseTest {

    private final ByteArrayOutputStream wire = new ByteArrayOutputStream();
    private final RecordWriter writer = new RecordWriter(Channels.newChannel(wire));
    private final FcgiResponse response = new FcgiResponse(
            new RecordOutputStream(writer, RecordType.STDOUT, 1, 1024),
            new RecordOutputStream(writer, RecordType.STDERR, 1, 1024));

    @Test
    void headerInjectionAndBadNamesAreRefused() {
        assertThatThrownBy(() -> response.header("X-A", "v\r\nSet-Cookie: x=1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0xd");
        assertThatThrownBy(() -> response.header("X A", "v")).hasMessageContaining("header name");
        assertThatThrownBy(() -> response.header("Status", "200")).hasMessageContaining("status()");
        assertThatThrownBy(() -> response.status(199)).hasMessageContaining("200..999");
    }

    @Test
    void theHeadIsFixedOnceCommitted() throws IOException {
        response.body().write('x');

        assertThat(response.isCommitted()).isTrue();
        assertThatThrownBy(() -> response.status(404)).isInstanceOf(IllegalStateException.class)
                .hasMessage("state: COMMITTED");
        assertThatThrownBy(() -> response.header("X-Late", "1")).hasMessage("state: COMMITTED");
    }

    @Test
    void anEmptyResponseStillSendsItsHeadAndEndsBothStreams() throws IOException {
        response.status(204);
        response.end();
        writer.endRequest(1, 0, ProtocolStatus.REQUEST_COMPLETE);

        FcgiConnection.Result r = decode();
        assertThat(new String(r.stdout(), StandardCharsets.ISO_8859_1)).isEqualTo("Status: 204 No Content\r\n\r\n");
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void writingAfterTheEndIsMisuse() throws IOException {
        response.end();

        assertThatThrownBy(() -> response.body().write('x')).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("state: ENDED");
    }

    private FcgiConnection.Result decode() throws IOException {
        ClientResponseDecoder decoder = new ClientResponseDecoder(FcgiLimits.DEFAULTS);
        ResponseRecorder recorder = new ResponseRecorder();
        decoder.register(1, recorder);
        decoder.feed(ByteBuffer.wrap(wire.toByteArray()));
        decoder.endOfInput();
        return recorder.result();
    }
}
