package org.fcgate.gateway.staticfiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.http.HttpServer;
import org.fcgate.gateway.support.Descriptors;
import org.fcgate.gateway.support.LeakTracker;
import org.fcgate.gateway.support.RawClient;
import org.fcgate.gateway.upstream.Upstreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The open file cache over real HTTP with many more files than it holds ({@code open_file_cache_max: 8} from YAML):
 * every body byte for byte, gzip and ranges too, and afterwards no descriptor left on a served file and the process's
 * descriptor count back to its baseline (INV 4). A response still sending when its entries are evicted is unharmed:
 * the cache holds no descriptor, each large response owns the one it sends from.
 */
class OpenFileCacheIT {

    static {
        LeakTracker.install();
    }

    private static final int SMALL = 40;
    private static final int LARGE = 12;

    @TempDir
    Path dir;
    private Path www;
    private HttpServer server;

    @BeforeEach
    void start() throws Exception {
        www = Files.createDirectories(dir.resolve("www"));
        for (int i = 0; i < SMALL; i++) {
            Files.writeString(www.resolve("s" + i + ".txt"), small(i));
        }
        for (int i = 0; i < LARGE; i++) {
            Files.write(www.resolve("l" + i + ".bin"), large(i));
        }
        Path yaml = Files.writeString(dir.resolve("fcgate.yaml"), """
                listen: 127.0.0.1:0
                root: www
                open_file_cache_valid: 1h
                open_file_cache_max: 8
                routes:
                  - match: {prefix: /}
                    static: {}
                """);
        server = HttpServer.start(ConfigLoader.create().load(yaml).gateway(), Upstreams.none());
    }

    @AfterEach
    void stop() {
        server.close();
        assertThat(LeakTracker.collect()).as("Netty buffer leaks").isEmpty();
    }

    private static String small(int i) {
        return ("small file " + i + " of the site\n").repeat(20 + i); // 0.4 to 1.4 KiB, gzipped when asked
    }

    private static byte[] large(int i) {
        byte[] b = new byte[40_000 + i * 1000]; // above 16 KiB: sent with sendfile from a descriptor per response
        for (int k = 0; k < b.length; k++) {
            b[k] = (byte) (k * 31 + i);
        }
        return b;
    }

    @Test
    void moreFilesThanTheCacheHoldsAreServedIntactAndLeaveNoDescriptor() throws Exception {
        long baseline = Descriptors.count();
        try (RawClient keepAlive = new RawClient(server.port())) {
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < SMALL; i++) {
                    // a hot file between every two cold ones
                    assertThat(get(keepAlive, "/s0.txt").bodyText()).isEqualTo(small(0));
                    RawClient.Response r = get(keepAlive, "/s" + i + ".txt");
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(r.bodyText()).isEqualTo(small(i));
                    if (i % 3 == 0) {
                        RawClient.Response gz = keepAlive.send("GET /s" + i + ".txt HTTP/1.1\r\nHost: a\r\n"
                                + "Accept-Encoding: gzip\r\n\r\n").read();
                        assertThat(gz.header("content-encoding")).isEqualTo("gzip");
                        assertThat(gunzip(gz.body())).isEqualTo(small(i));
                    }
                    if (i < LARGE) {
                        RawClient.Response big = get(keepAlive, "/l" + i + ".bin");
                        assertThat(big.body()).isEqualTo(large(i));
                        RawClient.Response part = keepAlive.send("GET /l" + i + ".bin HTTP/1.1\r\nHost: a\r\n"
                                + "Range: bytes=20000-20099\r\n\r\n").read();
                        assertThat(part.status()).isEqualTo(206);
                        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(large(i), 20_000, 20_100));
                    }
                }
            }
        }
        await("descriptors on served files closed").atMost(Duration.ofSeconds(10))
                .until(() -> Descriptors.under(www).isEmpty());
        await("descriptor count back to its baseline").atMost(Duration.ofSeconds(10))
                .until(() -> Descriptors.count() <= baseline);
    }

    @Test
    void aLargeFileStillSendingWhenItsEntryIsEvictedArrivesWhole() throws Exception {
        byte[] huge = new byte[8 * 1024 * 1024];
        for (int k = 0; k < huge.length; k++) {
            huge[k] = (byte) (k / 7);
        }
        Files.write(www.resolve("huge.bin"), huge);
        try (RawClient slow = new RawClient(server.port()); RawClient churn = new RawClient(server.port())) {
            slow.send("GET /huge.bin HTTP/1.1\r\nHost: a\r\n\r\n");
            // 8 MiB is more than the socket buffers on both sides hold (net.ipv4.tcp_wmem at most 4 MiB, and the
            // receiver's window does not grow while it does not read): the response is still sending, from its own
            // descriptor, while its cache entries are evicted many times over.
            await().atMost(Duration.ofSeconds(10)).until(() -> Descriptors.under(www).size() == 1);
            for (int i = 0; i < SMALL; i++) {
                assertThat(get(churn, "/s" + i + ".txt").bodyText()).isEqualTo(small(i));
            }
            assertThat(Descriptors.under(www)).as("the sending response's own descriptor").hasSize(1);
            assertThat(slow.read().body()).isEqualTo(huge);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Descriptors.under(www).isEmpty());
    }

    private static RawClient.Response get(RawClient c, String path) throws IOException {
        return c.send("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n").read();
    }

    private static String gunzip(byte[] body) throws IOException {
        try (GZIPInputStream z = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return new String(z.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
