package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.support.ForwardingGateway;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;
import org.fcgate.pool.status.ChildState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The response spool (docs/gateway.md, "Slow clients"): a 20 MB answer of the sample app to a client that stops
 * reading after 64 KiB, with {@code responseBufferMemory} 64 KiB. The child must be idle while the client stalls,
 * with the body parked in the spool (a temp file unlinked at creation: visible only as an open descriptor of this
 * JVM whose target is in the temp directory); the client then gets every byte, and the descriptor is gone.
 *
 * <p>Regression: the spool was created but never written, so the whole body waited in direct memory.
 */
class ResponseSpoolIT {

    private static final int SIZE = 20_000_000;
    private static final long MEMORY = 64 * 1024;

    @TempDir
    Path spoolDir;
    private PoolManager manager;
    private Pool pool;
    private ForwardingGateway gateway;

    @BeforeEach
    void start() throws Exception {
        manager = TestPools.manager();
        pool = manager.addPool(TestPools.legacyAppPool("legacy", 1)
                .build());
        Path root = Files.createTempDirectory("fcgate-spool");
        ForwardingGateway.write(root.resolve("big.app"), "legacy app script\n");
        FastCgiUpstreamOptions options = FastCgiUpstreamOptions.defaults().withResponseBufferMemory(MEMORY)
                .withTempDirectory(spoolDir);
        gateway = ForwardingGateway.start(root, Map.of(".app", FastCgiUpstream.managed(pool, options)),
                new HttpLimits(8192, 128 * 1024, 100, 1024 * 1024, 1024));
        TestPools.awaitIdle(pool, 1);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            gateway.canary();
        } finally {
            gateway.close();
            manager.close();
        }
    }

    @Test
    void stalledReaderGetsTheBodyFromTheSpoolWhileTheChildIsIdle() throws Exception {
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(16 * 1024);
            s.connect(new InetSocketAddress("127.0.0.1", gateway.port()));
            s.getOutputStream().write(("GET /big.app?size=" + SIZE + " HTTP/1.1\r\nHost: a\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] first = in.readNBytes(64 * 1024);
            String head = new String(first, StandardCharsets.ISO_8859_1);
            assertThat(head).startsWith("HTTP/1.1 200").contains("Content-Length: " + SIZE);
            int bodyStart = head.indexOf("\r\n\r\n") + 4;

            // The client stalls. The child has given everything away, and most of it sits in the spool: what the
            // kernel's socket buffers cannot hold, less the 64 KiB allowed in flight.
            await("child idle while the client stalls").atMost(Duration.ofSeconds(30))
                    .until(() -> pool.snapshot().count(ChildState.BUSY) == 0);
            await("spool written").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                List<Path> spools = spoolDescriptors();
                assertThat(spools).as("open spool files in %s", spoolDir).hasSize(1);
                assertThat(Files.size(spools.get(0))).as("bytes in the spool").isGreaterThan(SIZE / 2);
            });
            assertThat(entries(spoolDir)).as("the spool has no name: unlinked at creation").isEmpty();

            long index = 0;
            for (int i = bodyStart; i < first.length; i++, index++) {
                assertThat(first[i]).isEqualTo((byte) ('a' + index % 26));
            }
            byte[] buf = new byte[65536];
            while (index < SIZE) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, SIZE - index));
                assertThat(n).as("bytes after %d", index).isPositive();
                for (int i = 0; i < n; i++, index++) {
                    if (buf[i] != (byte) ('a' + index % 26)) {
                        throw new AssertionError("byte " + index + " differs");
                    }
                }
            }
            assertThat(index).isEqualTo(SIZE);
        }
        await("spool closed").atMost(Duration.ofSeconds(10)).until(() -> spoolDescriptors().isEmpty());
        assertThat(entries(spoolDir)).isEmpty();
    }

    /** This JVM's descriptors open on a file in the spool directory, as {@code /proc/self/fd/N} paths. */
    private List<Path> spoolDescriptors() throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile
                }
                if (target.startsWith(spoolDir + "/fcgate-") && target.endsWith(".response (deleted)")) {
                    found.add(fd);
                }
            }
        }
        return found;
    }

    private static List<Path> entries(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.toList();
        }
    }
}
