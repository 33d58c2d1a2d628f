package org.fcgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.fcgate.gateway.support.ConfigFiles;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.it.peer.Curl;
import org.fcgate.it.peer.FcgatePoolProcess;
import org.fcgate.it.peer.NginxProcess;
import org.fcgate.it.peer.NginxProcess.UpstreamConnections;
import org.fcgate.it.peer.SampleAppProcess;
import org.fcgate.it.support.NoLeakedProcesses;
import org.fcgate.it.support.TestBodies;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fcgate pool} where php-fpm would be: nginx's {@code fastcgi_pass} to the pool server's Unix socket, one
 * sample-app child (no queue, request_terminate_timeout 8 s), driven over HTTP by curl. Peers: nginx, curl, the
 * fcgate jar as a child JVM.
 */
@ExtendWith(NoLeakedProcesses.class)
class NginxPoolServerIT {

    @TempDir
    Path dir;

    FcgatePoolProcess pool;
    NginxProcess nginx;
    /** nginx's error log up to here is from the start (requests refused while the child started). */
    int errorLogStart;

    void start(UpstreamConnections mode) throws IOException {
        Path socket = dir.resolve("pool.sock");
        // The very pool PoolCommandIT runs behind fcgate's own gateway.
        Path config = Files.writeString(dir.resolve("pools.yaml"), ConfigFiles.oneChildPoolServer(
                TestPools.yamlList(SampleAppProcess.javaCommand(SampleAppProcess.newMarker())), socket));
        pool = FcgatePoolProcess.start(dir, config, socket);
        nginx = NginxProcess.start(dir, socket, mode);
        Curl curl = new Curl(dir);
        // The child may still be starting (no queue: refused meanwhile).
        await().atMost(Duration.ofSeconds(30)).until(() -> curl.get(nginx.url("/ready")).status() == 200);
        errorLogStart = nginx.errorLog().length();
    }

    private String newErrors() {
        return nginx.errorLog().substring(errorLogStart);
    }

    @AfterEach
    void stop() {
        if (nginx != null) {
            nginx.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    @Test
    void perRequestConnections() throws Exception {
        start(UpstreamConnections.PER_REQUEST);
        requestsAndFailures();
    }

    @Test
    void keptConnections() throws Exception {
        start(UpstreamConnections.KEEP_CONN);
        requestsAndFailures();
    }

    private void requestsAndFailures() throws Exception {
        Curl curl = new Curl(Files.createDirectories(dir.resolve("curl")));
        for (int i = 0; i < 3; i++) {
            Curl.Response r = curl.get(nginx.url("/x?n=" + i));
            assertThat(r.status()).as(() -> newErrors() + "\n" + pool.log()).isEqualTo(200);
            assertThat(r.bodyLines()).contains("REQUEST_URI=/x?n=" + i, "QUERY_STRING=n=" + i);
            assertThat(r.bodyLines()).anyMatch(l -> l.startsWith("SERVER_SOFTWARE=nginx/"));
        }
        byte[] body = TestBodies.deterministic(TestBodies.ONE_MIB, 7);
        Path file = Files.write(dir.resolve("body.bin"), body);
        Curl.Response post = curl.post(nginx.url("/upload"), file);
        assertThat(post.status()).isEqualTo(200);
        assertThat(post.bodyLines()).contains("body-length=" + body.length,
                "body-sha256=" + TestBodies.sha256Hex(body));
        assertThat(newErrors()).doesNotContain("[error]", "[crit]");

        // The child dies before any output: the pool server answers Status: 502 itself, nginx passes it on as an
        // ordinary response (nothing in its error log).
        assertThat(curl.get(nginx.url("/crash?crash=before")).status()).isEqualTo(502);
        assertThat(newErrors()).doesNotContain("[error]", "[crit]");
        awaitReady(curl);
        // request_terminate_timeout: the pool server answers Status: 504.
        assertThat(curl.get(nginx.url("/slow?sleep=15000")).status()).isEqualTo(504);
        assertThat(newErrors()).doesNotContain("[error]", "[crit]");
        awaitReady(curl);

        // Overloaded: END_REQUEST OVERLOADED with no STDOUT (§5.5). nginx does not read protocolStatus: it finds no
        // response head and answers 502 (fcgate's gateway answers 503, PoolCommandIT).
        Curl other = new Curl(Files.createDirectories(dir.resolve("curl-busy")));
        CompletableFuture<Curl.Response> busy = CompletableFuture.supplyAsync(
                () -> other.get(nginx.url("/busy?sleep=4000")));
        await().atMost(Duration.ofSeconds(30)).until(() -> pool.log().contains("sleeping 4000 ms"));
        assertThat(curl.get(nginx.url("/refused")).status()).isEqualTo(502);
        assertThat(newErrors()).contains("upstream sent unexpected FastCGI record: 3");
        assertThat(busy.get().status()).isEqualTo(200);
    }

    /** Until the replaced child is ready (requests are refused meanwhile, which nginx logs: not counted). */
    private void awaitReady(Curl curl) {
        await().atMost(Duration.ofSeconds(30)).until(() -> curl.get(nginx.url("/ready")).status() == 200);
        errorLogStart = nginx.errorLog().length();
    }
}
