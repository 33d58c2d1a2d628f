package org.fcgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fcgate.it.peer.FcgateProcess;
import org.fcgate.it.peer.NginxProcess;
import org.fcgate.it.peer.PeerProcess;
import org.fcgate.it.support.NoLeakedProcesses;
import org.fcgate.it.support.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connection scaling (issue 6; the idle half of R67): a real fcgate process holds a few thousand idle HTTP/1.1
 * keep-alive connections, and every one of them still answers. Each connection makes one request (so it is an idle
 * keep-alive connection, not a fresh accept), all stay open together, the gateway's own gauge counts them, then each
 * makes a second request on the same socket. What that costs in memory is measured by {@code bench/run --idle}
 * (docs/benchmarks.md), not asserted here.
 */
@ExtendWith(NoLeakedProcesses.class)
class IdleConnectionsIT {

    /** "A few thousand", as the brief asks; fewer when the descriptor limit would not hold both ends. */
    private static final int CONNECTIONS = 3000;
    private static final int READ_TIMEOUT_MILLIS = 60_000;
    private static final String BODY = "idle connection test\n".repeat(40);

    @TempDir
    Path dir;

    @Test
    void thousandsOfIdleKeepAliveConnectionsAreHeldAndEveryOneStillAnswers() throws Exception {
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("page.txt"), BODY);
        int port = NginxProcess.freeLoopbackPort();
        int adminPort = NginxProcess.freeLoopbackPort();
        Path config = dir.resolve("fcgate.yaml");
        // Every connection comes from 127.0.0.1: no per-IP cap (default 256); a keep-alive timeout longer than the test.
        Files.writeString(config, """
                listen: 127.0.0.1:%d
                root: %s
                access_log: {path: "off"}
                max_connections_per_ip: 0
                keepalive_timeout: 600s
                admin:
                  listen: 127.0.0.1:%d
                routes:
                  - match: {prefix: /}
                    static: {}
                """.formatted(port, www, adminPort));
        int n = connections();
        List<Socket> held = new ArrayList<>(n);
        try (FcgateProcess fcgate = FcgateProcess.run(dir, config, port, List.of(), PeerProcess.baseEnvironment())) {
            for (int i = 0; i < n; i++) {
                Socket s = new Socket();
                held.add(s);
                s.setSoTimeout(READ_TIMEOUT_MILLIS);
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), fcgate.port()));
                assertThat(get(s)).as("first request on connection %d", i).isEqualTo(BODY);
            }

            assertThat(gauge(adminPort, "fcgate_http_connections_open")).as("connections the gateway holds")
                    .isEqualTo(n);
            assertThat(RawHttp.exchange(port, "127.0.0.1", RawHttp.Request.get("/page.txt")).bodyText())
                    .as("a new connection while %d are held", n).isEqualTo(BODY);

            for (int i = 0; i < n; i++) {
                assertThat(get(held.get(i))).as("second request on idle connection %d", i).isEqualTo(BODY);
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    /** {@link #CONNECTIONS}, or what fits in this JVM's descriptor limit (the gateway's is the same, inherited). */
    private static int connections() {
        long max = ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getMaxFileDescriptorCount();
        int n = (int) Math.min(CONNECTIONS, max - 500);
        assertThat(n).as("descriptor limit %d: raise ulimit -n", max).isGreaterThanOrEqualTo(1000);
        return n;
    }

    /** One keep-alive GET of /page.txt on {@code s}; the body, read by its Content-Length. */
    private static String get(Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write("GET /page.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        RawHttp.Response head = RawHttp.readHead(in);
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.header("Connection")).as("kept alive").isNotEqualToIgnoringCase("close");
        byte[] body = in.readNBytes(Integer.parseInt(head.header("Content-Length")));
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The value of an unlabelled gauge in the admin listener's Prometheus scrape. */
    private static long gauge(int adminPort, String name) {
        String metrics = RawHttp.exchange(adminPort, "127.0.0.1", RawHttp.Request.get("/metrics")).bodyText();
        return metrics.lines().filter(l -> l.startsWith(name + " ")).map(l -> l.substring(name.length() + 1))
                .mapToLong(v -> (long) Double.parseDouble(v.trim())).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not in /metrics"));
    }
}
