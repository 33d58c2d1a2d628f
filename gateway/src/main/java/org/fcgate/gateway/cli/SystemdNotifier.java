package org.fcgate.gateway.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import jnr.unixsocket.UnixDatagramChannel;
import jnr.unixsocket.UnixSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sd_notify(3) for {@code Type=notify} units: one datagram per state change to the Unix socket named by
 * {@code NOTIFY_SOCKET} (a path, or {@code @name} for the abstract namespace). Messages are newline-separated
 * {@code KEY=VALUE} lines: {@code READY=1} once the public listener is up, {@code STOPPING=1} when the drain starts,
 * {@code RELOADING=1} with {@code MONOTONIC_USEC} when a configuration reload starts and {@code READY=1} again when it
 * is over (applied or rejected), {@code STATUS=...} free text shown by {@code systemctl status}. Without
 * {@code NOTIFY_SOCKET} nothing is sent.
 * A failed send is logged once at WARN and never stops the gateway (systemd then times the start out, which is the
 * right failure to see).
 */
final class SystemdNotifier {

    private static final Logger LOG = LoggerFactory.getLogger(SystemdNotifier.class);

    private final Optional<UnixSocketAddress> socket;
    private boolean warned;

    private SystemdNotifier(Optional<UnixSocketAddress> socket) {
        this.socket = socket;
    }

    /** From the environment's {@code NOTIFY_SOCKET}. */
    static SystemdNotifier fromEnvironment() {
        return of(System.getenv("NOTIFY_SOCKET"));
    }

    /** {@code null} or empty: disabled. A leading {@code @} names an abstract socket, as systemd writes it. */
    static SystemdNotifier of(String notifySocket) {
        if (notifySocket == null || notifySocket.isEmpty()) {
            return new SystemdNotifier(Optional.empty());
        }
        String path = notifySocket.startsWith("@") ? "\0" + notifySocket.substring(1) : notifySocket;
        return new SystemdNotifier(Optional.of(new UnixSocketAddress(path)));
    }

    boolean enabled() {
        return socket.isPresent();
    }

    void ready(String status) {
        send("READY=1\nSTATUS=" + status);
    }

    /**
     * A reload starts. {@code MONOTONIC_USEC} is CLOCK_MONOTONIC in microseconds, which systemd 253 and later require
     * with {@code RELOADING=1} for {@code Type=notify-reload} units (older ones ignore it). {@link System#nanoTime()}
     * is CLOCK_MONOTONIC on Linux (HotSpot reads it with clock_gettime), so the two clocks agree.
     */
    void reloading(String status) {
        send("RELOADING=1\nMONOTONIC_USEC=" + monotonicMicros() + "\nSTATUS=" + status);
    }

    static long monotonicMicros() {
        return System.nanoTime() / 1000;
    }

    void stopping(String status) {
        send("STOPPING=1\nSTATUS=" + status);
    }

    void status(String status) {
        send("STATUS=" + status);
    }

    private synchronized void send(String message) {
        if (socket.isEmpty()) {
            return;
        }
        try (UnixDatagramChannel ch = UnixDatagramChannel.open()) {
            ch.send(ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)), socket.get());
        } catch (IOException | RuntimeException e) {
            if (!warned) {
                warned = true;
                LOG.warn("sd_notify to {} failed: {}", socket.get().humanReadablePath(), e.toString());
            }
        }
    }
}
