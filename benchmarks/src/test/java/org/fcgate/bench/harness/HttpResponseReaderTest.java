package org.fcgate.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpResponseReaderTest {

    private static final String TWO = "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\n\r\nhello"
            + "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n";

    @Test
    void findsTheEndOfEachResponseAndLeavesTheNextOneInTheBuffer() {
        ByteBuffer in = ascii(TWO);
        HttpResponseReader r = new HttpResponseReader();

        assertThat(r.feed(in)).isEqualTo(HttpResponseReader.Result.DONE);
        assertThat(r.status()).isEqualTo(200);
        r.reset();
        assertThat(r.feed(in)).isEqualTo(HttpResponseReader.Result.DONE);
        assertThat(r.status()).isEqualTo(404);
        assertThat(in.hasRemaining()).isFalse();
    }

    @Test
    void bytesSplitAtEveryOffset() {
        byte[] all = TWO.getBytes(StandardCharsets.US_ASCII);
        int first = TWO.indexOf("HTTP/1.1 404");
        for (int split = 1; split < first; split++) {
            HttpResponseReader r = new HttpResponseReader();
            assertThat(r.feed(ByteBuffer.wrap(all, 0, split))).as("split at %d", split)
                    .isEqualTo(HttpResponseReader.Result.MORE);
            ByteBuffer rest = ByteBuffer.wrap(all, split, all.length - split);
            assertThat(r.feed(rest)).as("split at %d", split).isEqualTo(HttpResponseReader.Result.DONE);
            assertThat(r.status()).isEqualTo(200);
            assertThat(rest.position()).isEqualTo(first);
        }
    }

    @Test
    void aResponseWithoutContentLengthIsNotGuessed() {
        HttpResponseReader r = new HttpResponseReader();

        assertThat(r.feed(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")))
                .isEqualTo(HttpResponseReader.Result.UNSUPPORTED);
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }
}
