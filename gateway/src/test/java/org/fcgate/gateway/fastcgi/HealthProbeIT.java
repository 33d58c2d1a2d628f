package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.gateway.config.HealthCheck;
import org.fcgate.gateway.support.PhpFpm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One {@link HealthProbe} at a time against real php-fpm 8.2 (started here with {@code ping.path = /ping}, stopped by
 * PID), and against a listener that never answers: what passes and what fails, with the cause the log would show.
 */
class HealthProbeIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private static PhpFpm fpm;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() throws Exception {
        fpm = PhpFpm.start("fcgw-probe", 1, PhpFpm.PhpIni.NONE, "ping.path = /ping", "ping.response = pong");
        Files.writeString(fpm.dir().resolve("ok.php"), "<?php echo 'ok';\n");
        Files.writeString(fpm.dir().resolve("fail.php"), "<?php http_response_code(503); echo 'maintenance';\n");
        group = new MultiThreadIoEventLoopGroup(1, Transport.current() == Transport.EPOLL
                ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        if (fpm != null) {
            fpm.close();
        }
    }

    /** Runs one probe; "passed" or the failure's cause. */
    private static String probe(BackendAddress address, HealthCheck check) throws Exception {
        CompletableFuture<String> result = new CompletableFuture<>();
        EventLoop loop = group.next();
        loop.execute(() -> new HealthProbe(loop, address, address.toSocketAddress(Transport.current()), check,
                FcgiLimits.DEFAULTS, failure -> result.complete(failure == null ? "passed" : failure)).start());
        return result.get(30, TimeUnit.SECONDS);
    }

    private static BackendAddress fpmAddress() {
        return new BackendAddress.Unix(fpm.socket());
    }

    private static HealthCheck check() {
        return HealthCheck.defaults().withTimeout(TIMEOUT);
    }

    @Test
    void phpFpmAnswersGetValues() throws Exception {
        assertThat(probe(fpmAddress(), check())).isEqualTo("passed");
    }

    @Test
    void phpFpmsPingPathPasses() throws Exception {
        assertThat(probe(fpmAddress(), check().withRequest("/ping"))).isEqualTo("passed");
    }

    @Test
    void aScriptOfOneselfPassesOn2xxAndFailsOnItsStatus() throws Exception {
        HealthCheck ok = new HealthCheck(Duration.ofSeconds(5), TIMEOUT, 2, 3, Optional.of("/ok.php?probe=1"),
                Optional.of(fpm.dir().resolve("ok.php").toString()));
        assertThat(probe(fpmAddress(), ok)).isEqualTo("passed");
        HealthCheck failing = new HealthCheck(Duration.ofSeconds(5), TIMEOUT, 2, 3, Optional.of("/fail.php"),
                Optional.of(fpm.dir().resolve("fail.php").toString()));
        assertThat(probe(fpmAddress(), failing)).isEqualTo("status 503");
        assertThat(probe(fpmAddress(), check().withRequest("/missing.php"))).isEqualTo("status 404");
    }

    @Test
    void nobodyListeningFailsTheConnect() throws Exception {
        assertThat(probe(new BackendAddress.Unix(fpm.dir().resolve("absent.sock")), check()))
                .startsWith("connect failed: ");
    }

    @Test
    void aListenerThatNeverAnswersFailsAtTheTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // The kernel completes the handshake; nobody ever reads or answers.
            assertThat(probe(new BackendAddress.Tcp("127.0.0.1", silent.getLocalPort()),
                    check().withTimeout(Duration.ofMillis(300)))).isEqualTo("no answer within 300 ms");
        }
    }
}
