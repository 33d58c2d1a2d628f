package org.fcgate.it.parity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.fcgate.it.peer.FcgateProcess;
import org.fcgate.it.peer.PeerProcess;
import org.fcgate.it.peer.PhpFpmProcess;
import org.fcgate.it.support.NoLeakedProcesses;
import org.fcgate.it.support.RawHttp;
import org.fcgate.it.support.RawHttp.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 200 MiB script response to a client that stalls after 1 MiB: fcgate (child JVM, {@code -Xmx256m},
 * {@code -XX:MaxDirectMemorySize=64m}) takes the whole response off php-fpm, spilling it to a temp file, so the only
 * php-fpm worker is free again while the client has read almost nothing; the gateway's heap after a full GC stays
 * within {@link #HEAP_GROWTH_BOUND} of what it was before; the client then reads the rest and gets the exact bytes.
 * Peers: php-fpm with {@code pm.max_children = 1}, fcgate with one FastCGI connection.
 */
@ExtendWith(NoLeakedProcesses.class)
class SlowDownloadIT {

    static final int MIB = 1024 * 1024;
    static final int DOWNLOAD_MIB = 200;
    /** What the client reads before it stops reading. */
    static final int READ_BEFORE_STALL = MIB;
    /** The client's receive window: the gateway cannot push much past what the client read. */
    static final int CLIENT_RCVBUF = 16 * 1024;
    /** A 200 MiB body held in memory would be far past this. */
    static final long HEAP_GROWTH_BOUND = 32L * MIB;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    /**
     * Regression: on the forwarder as merged (fcgi-forward a8001d5) {@code FcgiExchange.deliver} created the response
     * spool but never wrote to it, so every chunk went to the client channel's outbound buffer in direct memory, and
     * with {@code -XX:MaxDirectMemorySize=64m} the download died at ~64 MiB ({@code OutOfMemoryError: Cannot reserve
     * … direct buffer memory}, logged as {@code status=aborted}).
     */
    @Test
    void download200MiBThroughStalledReaderFreesTheWorkerWithoutHeapGrowth() throws Exception {
        Path root = ParitySite.create(dir);
        Path fpmDir = Files.createDirectories(dir.resolve("fpm"));
        Path accessLog = fpmDir.resolve("access.log");
        try (PhpFpmProcess fpm = PhpFpmProcess.start(fpmDir, List.of(
                "pm.max_children = 1",
                "access.log = " + accessLog,
                "access.format = \"%m %r %s\""));
             FcgateProcess fcgate = FcgateProcess.start(Files.createDirectories(dir.resolve("fcgate")), root,
                     List.of("--fastcgi", "unix:" + fpm.address().getPath(), "--fastcgi-max-connections", "1"))) {
            String host = "localhost:" + fcgate.port();
            assertThat(RawHttp.exchange(fcgate.port(), host, Request.get("/dump.php")).status()).isEqualTo(200);
            long heapBefore = fcgate.heapUsedAfterGc();

            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(CLIENT_RCVBUF);
                s.setSoTimeout((int) PeerProcess.PATIENCE.toMillis());
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), fcgate.port()));
                s.getOutputStream().write(RawHttp.head(host, Request.get("/big.php?mib=" + DOWNLOAD_MIB)));
                InputStream in = new BufferedInputStream(s.getInputStream(), 8192);
                RawHttp.Response head = RawHttp.readHead(in);
                assertThat(head.status()).isEqualTo(200);
                assertThat(head.header("Content-Length")).isEqualTo(Long.toString((long) DOWNLOAD_MIB * MIB));
                long read = readInto(in, sha, READ_BEFORE_STALL);

                // The client stops reading. php-fpm logs the request when the script has written its last byte:
                // then fcgate has taken (nearly) all 200 MiB while the client holds 1 MiB.
                await("php-fpm finished big.php while the client has read " + read + " bytes")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> Files.exists(accessLog) && Files.readString(accessLog).contains("GET /big.php"));
                // The one worker, over fcgate's one connection, serves another request meanwhile.
                assertThat(RawHttp.exchange(fcgate.port(), host, Request.get("/dump.php")).status())
                        .as("a second request while the download is stalled")
                        .isEqualTo(200);
                long heapDuring = fcgate.heapUsedAfterGc();
                assertThat(heapDuring - heapBefore)
                        .as("heap growth after GC with ~%d MiB of response pending (before %d, during %d bytes)",
                                DOWNLOAD_MIB - 1, heapBefore, heapDuring)
                        .isLessThan(HEAP_GROWTH_BOUND);

                read += readInto(in, sha, Long.MAX_VALUE);
                assertThat(read).as("bytes the client got; fcgate's log:\n%s", fcgate.log())
                        .isEqualTo((long) DOWNLOAD_MIB * MIB);
                System.out.printf("SlowDownloadIT: fcgate heap after GC: before %d KiB, with %d MiB pending %d KiB%n",
                        heapBefore / 1024, DOWNLOAD_MIB - 1, heapDuring / 1024);
            }
            assertThat(HexFormat.of().formatHex(sha.digest())).isEqualTo(ParitySite.bigSha256(DOWNLOAD_MIB));
            assertThat(fcgate.heapUsedAfterGc() - heapBefore).as("heap growth after the download")
                    .isLessThan(HEAP_GROWTH_BOUND);
        }
    }

    /** Reads up to {@code limit} bytes (or to EOF) in pieces of at most 64 KiB into {@code sha}; returns the count. */
    private static long readInto(InputStream in, MessageDigest sha, long limit) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        while (total < limit) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, limit - total));
            if (n < 0) {
                break;
            }
            sha.update(buf, 0, n);
            total += n;
        }
        return total;
    }
}
