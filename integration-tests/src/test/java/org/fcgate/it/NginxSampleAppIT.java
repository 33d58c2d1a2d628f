package org.fcgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.fcgate.it.peer.Curl;
import org.fcgate.it.peer.NginxProcess;
import org.fcgate.it.peer.NginxProcess.UpstreamConnections;
import org.fcgate.it.peer.ProcessTable;
import org.fcgate.it.peer.SampleAppProcess;
import org.fcgate.it.support.NoLeakedProcesses;
import org.fcgate.it.support.TestBodies;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our application role (the SDK's sample app on a Unix socket) behind a real nginx, driven over HTTP by curl.
 * Peers: nginx, curl.
 */
@ExtendWith(NoLeakedProcesses.class)
class NginxSampleAppIT {

    private static final String EMPTY_SHA256 = TestBodies.sha256Hex(new byte[0]);

    @TempDir
    Path dir;

    SampleAppProcess app;
    NginxProcess nginx;
    Curl curl;

    @BeforeEach
    void startApp() {
        app = SampleAppProcess.start(dir);
        curl = new Curl(dir);
    }

    @AfterEach
    void stopApp() {
        app.close();
    }

    void startNginx(UpstreamConnections mode) {
        nginx = NginxProcess.start(dir, app.socket(), mode);
    }

    void stopNginx() {
        // nginx's error log must not show an upstream failure the HTTP answers hid.
        String errors = nginx.errorLog();
        nginx.close();
        assertThat(errors).doesNotContain("[error]", "[crit]", "[alert]", "[emerg]");
    }

    /** nginx's default: a new connection per request, FCGI_KEEP_CONN clear. */
    @Nested
    class PerRequestConnection {

        @BeforeEach
        void start() {
            startNginx(UpstreamConnections.PER_REQUEST);
        }

        @AfterEach
        void stop() {
            stopNginx();
        }

        @Test
        void getWithQueryReachesTheAppWithNginxParams() {
            Curl.Response r = curl.get(nginx.url("/x?greeting=hello&n=1"));

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).isEqualTo("text/plain; charset=UTF-8");
            assertThat(r.bodyLines()).contains(
                    "REQUEST_METHOD=GET",
                    "QUERY_STRING=greeting=hello&n=1",
                    "REQUEST_URI=/x?greeting=hello&n=1",
                    "SCRIPT_NAME=/x",
                    "DOCUMENT_URI=/x",
                    "SERVER_PROTOCOL=HTTP/1.1",
                    "GATEWAY_INTERFACE=CGI/1.1",
                    "REMOTE_ADDR=127.0.0.1",
                    "REDIRECT_STATUS=200",
                    "CONTENT_LENGTH=",
                    "body-length=0",
                    "body-sha256=" + EMPTY_SHA256);
            assertThat(r.bodyLines()).anyMatch(l -> l.startsWith("SERVER_SOFTWARE=nginx/"));
            assertThat(r.bodyLines()).anyMatch(l -> l.startsWith("HTTP_USER_AGENT=curl/"));
        }

        @Test
        void postOfOneMebibyteArrivesWhole() throws IOException {
            byte[] body = TestBodies.deterministic(TestBodies.ONE_MIB, 4);
            Curl.Response r = curl.post(nginx.url("/upload?kind=binary"), write("body.bin", body));

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyLines()).contains(
                    "REQUEST_METHOD=POST",
                    "CONTENT_LENGTH=" + body.length,
                    "body-length=" + body.length,
                    "body-sha256=" + TestBodies.sha256Hex(body));
        }

        @Test
        void echoRoundTripsTheBody() throws IOException {
            byte[] body = TestBodies.deterministic(TestBodies.ONE_MIB, 5);
            Curl.Response r = curl.post(nginx.url("/echo?echo=1"), write("echo.bin", body));

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).isEqualTo("application/octet-stream");
            assertThat(r.body()).hasSize(body.length);
            assertThat(r.body()).isEqualTo(body);
        }

        @Test
        void sizeReturnsExactlyThatManyBytes() {
            Curl.Response r = curl.get(nginx.url("/big?size=1000000"));

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).hasSize(1_000_000);
            assertThat(r.body()).isEqualTo(alphabet(1_000_000));
        }

        /**
         * Without request buffering nginx forwards a chunked body as it arrives and cannot say how long it is:
         * CONTENT_LENGTH is empty and the app must read STDIN to its empty record (FastCGI 1.0 §6.2).
         */
        @Test
        void chunkedBodyWithoutContentLengthArrivesWhole() throws IOException {
            byte[] body = TestBodies.deterministic(TestBodies.ONE_MIB, 8);
            Path file = write("chunked.bin", body);
            Curl.Response r = curl.run(List.of("-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file,
                    nginx.url("/stream/upload")));

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyLines()).contains(
                    "CONTENT_LENGTH=",
                    "HTTP_TRANSFER_ENCODING=chunked",
                    "body-length=" + body.length,
                    "body-sha256=" + TestBodies.sha256Hex(body));
        }

        /** A client that leaves mid-response makes nginx drop the app's connection; the app serves the next one. */
        @Test
        void theAppServesOnAfterAClientLeavesMidResponse() {
            // curl exit 63: the announced Content-Length exceeds --max-filesize, so it hangs up after the head.
            assertThat(curl.exitStatus(List.of("--max-filesize", "1000", nginx.url("/big?size=50000000"))))
                    .isEqualTo(63);

            Curl.Response r = curl.get(nginx.url("/after?greeting=still-here"));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyLines()).contains("QUERY_STRING=greeting=still-here", "requests-served=2");
        }

        /** A 30 000-byte header: nginx sends it as one PARAMS pair with four-byte lengths (FastCGI 1.0 §3.4). */
        @Test
        void largeHeaderArrivesAsOneParam() {
            String big = "0123456789".repeat(3_000);
            Curl.Response r = curl.run(List.of("-H", "X-Big: " + big, nginx.url("/headers")));

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyLines()).contains("HTTP_X_BIG=" + big);
        }

        @Test
        void theAppClosesEachConnectionAfterItsRequest() {
            for (int i = 1; i <= 3; i++) {
                Curl.Response r = curl.get(nginx.url("/seq?round=" + i));
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyLines()).contains("requests-served=" + i);
                await("the app closes connection " + i)
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> ProcessTable.acceptedUnixConnections(app.socket()) == 0);
            }
        }
    }

    /** {@code fastcgi_keep_conn on} with an upstream keepalive cache: FCGI_KEEP_CONN set, one reused connection. */
    @Nested
    class KeptConnection {

        @BeforeEach
        void start() {
            startNginx(UpstreamConnections.KEEP_CONN);
        }

        @AfterEach
        void stop() {
            // The app sends a response's tail and END_REQUEST in one write: nginx never relays a whole response
            // while END_REQUEST is still to come, so a client that leaves at once does not cost the kept connection.
            assertThat(nginx.errorLog()).doesNotContain("upstream connection is closed too");
            stopNginx();
        }

        @Test
        void sequentialRequestsShareOneConnection() throws IOException {
            byte[] body = TestBodies.deterministic(TestBodies.ONE_MIB, 6);
            Path file = write("kept.bin", body);
            Set<String> pids = new HashSet<>();

            for (int round = 0; round < 2; round++) {
                Curl.Response get = curl.get(nginx.url("/kept?greeting=hello&round=" + round));
                assertThat(get.status()).isEqualTo(200);
                assertThat(get.bodyLines()).contains("QUERY_STRING=greeting=hello&round=" + round,
                        "body-sha256=" + EMPTY_SHA256);
                pids.add(valueOf(get.bodyLines(), "pid"));

                Curl.Response post = curl.post(nginx.url("/kept?round=" + round), file);
                assertThat(post.bodyLines()).contains("body-length=" + body.length,
                        "body-sha256=" + TestBodies.sha256Hex(body));

                Curl.Response echo = curl.post(nginx.url("/kept?echo=1"), file);
                assertThat(echo.body()).isEqualTo(body);

                Curl.Response size = curl.get(nginx.url("/kept?size=1000000"));
                assertThat(size.body()).isEqualTo(alphabet(1_000_000));
            }

            assertThat(pids).as("one app process served every request").hasSize(1);
            // The connection nginx keeps in its cache is still open on the app's side: the app honoured
            // FCGI_KEEP_CONN instead of closing after each END_REQUEST (FastCGI 1.0 §5.1).
            await("one kept connection")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> ProcessTable.acceptedUnixConnections(app.socket()) == 1);
        }
    }

    Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    /** The sample app's {@code size=N} body: byte {@code i} is {@code 'a' + i % 26}. */
    static byte[] alphabet(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    static String valueOf(List<String> lines, String name) {
        return lines.stream()
                .filter(l -> l.startsWith(name + "="))
                .map(l -> l.substring(name.length() + 1))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + "= line in " + lines));
    }
}
