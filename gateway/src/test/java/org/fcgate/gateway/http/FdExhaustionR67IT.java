package org.fcgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.fcgate.gateway.support.GatewayJar;
import org.fcgate.gateway.support.RawClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R67, file-descriptor exhaustion, with the gateway as operators run it ({@code java -jar fcgate.jar run}) under a low
 * open-file limit ({@code prlimit --nofile=N:N}): more client connections than it has descriptors for.
 *
 * <p>The limit {@link #NOFILE} is small enough to reach with a few hundred loopback connections and leaves the JVM
 * its own descriptors (jars, epoll, about 25 here); the test JVM holds at most about {@code 3 * NOFILE} sockets.
 */
class FdExhaustionR67IT {

    private static final int NOFILE = 160;
    private static final String WARNING = "AcceptGuard - accept on the public listener failed";

    @TempDir
    Path dir;

    private GatewayJar gateway;
    private final List<RawClient> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (RawClient c : clients) {
            c.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void R67_atTheOpenFileLimitTheOldestIdleConnectionsMakeRoomAcceptBacksOffWithoutSpinningAndAdminAnswers()
            throws Exception {
        long started = System.nanoTime();
        Path www = Files.createDirectory(dir.resolve("www"));
        Files.writeString(www.resolve("hello.txt"), "hello\n");
        gateway = GatewayJar.run(dir, """
                listen: 127.0.0.1:0
                root: %s
                client_header_timeout: 120s
                keepalive_timeout: 120s
                routes:
                  - match: {prefix: /}
                    static: {}
                """.formatted(www), List.of("prlimit", "--nofile=" + NOFILE + ":" + NOFILE, "--"));
        long pid = gateway.pid();
        assertThat(Files.readString(Path.of("/proc", Long.toString(pid), "limits")))
                .containsPattern("Max open files +" + NOFILE + " +" + NOFILE);
        assertThat(fds(pid)).as("descriptors the idle gateway uses").isLessThan(NOFILE / 2);

        // 1. Twice as many idle keep-alive connections as the limit, one after the other: each is served, because
        //    the gateway closes its oldest idle ones when accept fails with EMFILE.
        List<RawClient> keptAlive = new ArrayList<>();
        for (int i = 0; i < 2 * NOFILE; i++) {
            RawClient c = client();
            RawClient.Response r = c.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertThat(r.status()).as("keep-alive connection %d", i).isEqualTo(200);
            assertThat(r.closes()).isFalse();
            keptAlive.add(c);
        }
        assertThat(fds(pid)).as("the gateway held fewer connections than were opened").isLessThanOrEqualTo(NOFILE);
        assertThat(keptAlive.get(0).closedWithin(5_000)).as("the oldest idle connection was closed").isTrue();
        RawClient newest = keptAlive.get(keptAlive.size() - 1);
        assertThat(newest.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n").read().status())
                .as("the newest kept connection still serves").isEqualTo(200);
        assertThat(freshRequest()).as("a new client").isEqualTo(200);
        assertThat(gateway.admin("/ping").body()).isEqualTo("pong\n");
        assertThat(gateway.stderr()).contains(WARNING, "Too many open files", "open-file limit " + NOFILE,
                "closed the oldest idle client connections (", "LimitNOFILE");

        // 2. Nothing idle left to close: connections that began a request (a partial head) take every descriptor,
        //    more wait in the listen queue. accept keeps failing; the gateway backs off instead of spinning.
        for (int i = 0; i < NOFILE + 40; i++) {
            client().send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n");
        }
        await("the gateway at its open-file limit").atMost(Duration.ofSeconds(30))
                .until(() -> fds(pid) >= NOFILE - 1);
        long cpuBefore = cpuTicks(pid);
        long wallBefore = System.nanoTime();
        await("alive through 3 s of exhaustion").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> gateway.isAlive() && fds(pid) >= NOFILE - 1);
        double cpuShare = (cpuTicks(pid) - cpuBefore) / (double) clockTicksPerSecond()
                / ((System.nanoTime() - wallBefore) / 1e9);
        assertThat(cpuShare).as("CPU share of one core while accept fails (spinning would be about 1.0)")
                .isLessThan(0.5);

        // 3. The partial requests give up (their clients close): the gateway serves again, new clients and admin.
        for (RawClient c : clients) {
            c.close();
        }
        clients.clear();
        await("a new client served again").atMost(Duration.ofSeconds(30)).until(() -> freshRequest() == 200);
        assertThat(gateway.admin("/ping").body()).isEqualTo("pong\n");
        assertThat(gateway.isAlive()).isTrue();

        // The warning is rate-limited: at most one per 10 s, however many accepts failed.
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        assertThat(occurrences(gateway.stderr(), WARNING)).as("warnings in %d s", seconds)
                .isBetween(1, 1 + (int) (seconds / 10) + 1);
        assertThat(gateway.stderr()).doesNotContain("reached at the tail of the pipeline");
    }

    private RawClient client() throws IOException {
        RawClient c = new RawClient(gateway.port());
        clients.add(c);
        return c;
    }

    /** The status of GET /hello.txt on a new connection, or -1 when none comes within 5 s. */
    private int freshRequest() throws IOException {
        try (RawClient c = new RawClient(gateway.port())) {
            c.socket().setSoTimeout(5_000);
            return c.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").read().status();
        } catch (IOException e) {
            return -1;
        }
    }

    private static long fds(long pid) throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return s.count();
        }
    }

    /** utime + stime of the whole process (all threads), from /proc/PID/stat (fields 14 and 15, proc(5)). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(after[11]) + Long.parseLong(after[12]); // after[0] is field 3
    }

    private static long clockTicksPerSecond() throws Exception {
        Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        assertThat(p.waitFor()).isZero();
        return Long.parseLong(out);
    }

    private static int occurrences(String text, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
