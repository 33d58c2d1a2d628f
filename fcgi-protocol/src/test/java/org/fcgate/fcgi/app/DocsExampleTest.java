package org.fcgate.fcgi.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.fcgi.params.Params;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SDK example of docs/protocol.md, run: keep the two in step. */
class DocsExampleTest {

    @TempDir
    Path dir;

    @Test
    void theDocumentedHandlerAnswersOverAUnixSocket() throws Exception {
        Path socket = dir.resolve("hello.sock");
        FcgiHandler hello = (request, response) -> {
            byte[] body = request.body().readAllBytes();
            response.status(200).contentType("text/plain; charset=utf-8");
            response.body().write(("hello " + request.param("QUERY_STRING", "") + ", " + body.length + " bytes\n")
                    .getBytes(StandardCharsets.UTF_8));
        };
        FcgiServer server = FcgiServer.builder()
                .handler(hello)
                .endpoint(FcgiEndpoint.unix(socket))
                .build();
        Thread serving = server.start();
        try (FcgiConnection c = FcgiConnection.open(UnixDomainSocketAddress.of(socket), Duration.ofSeconds(10))) {
            FcgiConnection.Result r = c.execute(Params.builder()
                    .add("REQUEST_METHOD", "POST").add("QUERY_STRING", "world").add("CONTENT_LENGTH", "3").build(),
                    "abc".getBytes(StandardCharsets.UTF_8));
            assertThat(r.head().status()).isEqualTo(200);
            assertThat(r.head().header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("hello world, 3 bytes\n");
        } finally {
            server.stop();
            serving.join(Duration.ofSeconds(10).toMillis());
        }
        assertThat(serving.isAlive()).isFalse();
    }
}
