package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import jnr.unixsocket.UnixDatagramChannel;
import jnr.unixsocket.UnixSocketAddress;
import org.awaitility.core.ConditionTimeoutException;
import org.fcgate.gateway.support.ConfigFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sd_notify as systemd sees it: the test binds the datagram socket systemd would bind, starts
 * {@code java -jar target/fcgate.jar run} with {@code NOTIFY_SOCKET} naming it (a path, then an abstract
 * {@code @name}), and reads READY=1 once the listener is up; after SIGHUP RELOADING=1 with MONOTONIC_USEC (on the
 * test's own CLOCK_MONOTONIC) and READY=1 again, for an unchanged and a changed file; then STOPPING=1 and STATUS lines
 * after SIGTERM.
 */
class SystemdNotifyIT {

    @TempDir
    Path dir;

    private Process gateway;
    private UnixDatagramChannel socket;

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.destroyForcibly().waitFor();
        }
        if (socket != null) {
            socket.close();
        }
    }

    @Test
    void readyThenStoppingOnAPathSocket() throws Exception {
        Path path = Path.of("/tmp", "fcgate-notify-" + ProcessHandle.current().pid() + ".sock");
        Files.deleteIfExists(path);
        try {
            bind(new UnixSocketAddress(path.toFile()));
            runAndStop(path.toString());
        } finally {
            Files.deleteIfExists(path);
        }
    }

    @Test
    void readyThenStoppingOnAnAbstractSocket() throws Exception {
        String name = "fcgate-notify-" + ProcessHandle.current().pid();
        bind(new UnixSocketAddress("\0" + name));
        runAndStop("@" + name);
    }

    /**
     * jnr's native part cannot load (forced with a provider class that does not exist): before, the error escaped
     * from the start after the listener was up, the main thread died and the JVM stayed alive, serving, silent to
     * systemd. Now: one WARN naming the cause, the gateway serves and stops normally; systemd times the start out.
     */
    @Test
    void aNativeLibraryThatCannotLoadIsWarnedAboutAndTheGatewayStillServesAndStops() throws Exception {
        String name = "fcgate-notify-broken-" + ProcessHandle.current().pid();
        bind(new UnixSocketAddress("\0" + name));
        Files.createDirectory(dir.resolve("www"));
        Path config = Files.writeString(dir.resolve("fcgate.yaml"), ConfigFiles.STATIC_ONLY);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-Djnr.ffi.provider=no.such.Provider", "-jar",
                Path.of("target", "fcgate.jar").toString(), "run", "--config", config.toString())
                .redirectError(dir.resolve("gateway.log").toFile())
                .redirectOutput(dir.resolve("gateway.out").toFile());
        pb.environment().put("NOTIFY_SOCKET", "@" + name);
        gateway = pb.start();
        Path out = dir.resolve("gateway.out");
        await("the port line on stdout").atMost(Duration.ofSeconds(60)).until(() -> !gateway.isAlive()
                || Files.readString(out).contains(" on port ") || gatewayLog().contains("Exception in thread"));
        assertThat(Files.readString(out)).as("the port line; log:\n%s", gatewayLog()).contains(" on port ");
        assertThat(gatewayLog()).contains("WARN org.fcgate.gateway.cli.SystemdNotifier",
                "cannot notify systemd: java.lang.UnsatisfiedLinkError: could not load FFI provider no.such.Provider");
        gateway.destroy(); // SIGTERM
        assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(gateway.exitValue()).as("log:\n%s", gatewayLog()).isZero();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        try {
            socket.receive(buf);
        } catch (IOException e) {
            // EAGAIN: nothing was sent, as expected
        }
        assertThat(buf.position()).as("nothing reached the socket").isZero();
    }

    private void bind(UnixSocketAddress address) throws Exception {
        socket = UnixDatagramChannel.open();
        socket.bind(address);
        socket.configureBlocking(false);
    }

    private void runAndStop(String notifySocket) throws Exception {
        Files.createDirectory(dir.resolve("www"));
        Path config = Files.writeString(dir.resolve("fcgate.yaml"), ConfigFiles.STATIC_ONLY);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-jar", Path.of("target", "fcgate.jar").toString(),
                "run", "--config", config.toString()).redirectError(dir.resolve("gateway.log").toFile());
        pb.environment().put("NOTIFY_SOCKET", notifySocket);
        gateway = pb.start();
        String line = new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8))
                .readLine();
        assertThat(line).isNotNull();
        String port = line.replaceAll(".* on port (\\d+).*", "$1");

        assertThat(next()).isEqualTo("READY=1\nSTATUS=serving 0 pools on /127.0.0.1:" + port);

        long before = System.nanoTime() / 1000;
        hangUp();
        String reloading = next();
        long after = System.nanoTime() / 1000;
        assertThat(reloading).matches("RELOADING=1\nMONOTONIC_USEC=\\d+\nSTATUS=reloading configuration \\(SIGHUP\\)");
        long monotonic = Long.parseLong(reloading.replaceAll("(?s).*MONOTONIC_USEC=(\\d+).*", "$1"));
        assertThat(monotonic).as("CLOCK_MONOTONIC, the clock systemd compares it with").isBetween(before, after);
        assertThat(next()).isEqualTo("READY=1\nSTATUS=serving 0 pools on /127.0.0.1:" + port
                + ", configuration generation 1 (unchanged)");

        Files.writeString(config, Files.readString(config).replace("routes:", "server_name: [example.test]\nroutes:"));
        hangUp();
        assertThat(next()).startsWith("RELOADING=1\n");
        assertThat(next()).isEqualTo("READY=1\nSTATUS=serving 0 pools on /127.0.0.1:" + port
                + ", configuration generation 2");
        gateway.destroy(); // SIGTERM
        List<String> stopping = new ArrayList<>();
        stopping.add(next());
        stopping.add(next());
        stopping.add(next());
        assertThat(stopping).containsExactly("STOPPING=1\nSTATUS=draining, 0 requests in flight",
                "STATUS=draining, 0 requests in flight", "STATUS=stopping pools");
        assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(gateway.exitValue()).isZero();
    }

    private void hangUp() throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(gateway.pid())).start();
        assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    /** The next datagram, waiting up to 30 s; if none comes, the failure says what the gateway logged. */
    private String next() {
        AtomicReference<String> message = new AtomicReference<>();
        AtomicReference<IOException> lastError = new AtomicReference<>();
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
                ByteBuffer buf = ByteBuffer.allocate(4096);
                try {
                    socket.receive(buf);
                } catch (IOException e) {
                    lastError.set(e);
                    return false; // EAGAIN: jnr reports an empty non-blocking socket as an IOException
                }
                if (buf.position() == 0) {
                    return false;
                }
                buf.flip();
                message.set(StandardCharsets.UTF_8.decode(buf).toString());
                return true;
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no notification in 30 s; gateway alive: " + gateway.isAlive()
                    + "; last receive error: " + lastError.get() + "; gateway.log:\n" + gatewayLog(), e);
        }
        return message.get();
    }

    private String gatewayLog() {
        try {
            return Files.readString(dir.resolve("gateway.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
