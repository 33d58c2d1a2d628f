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
 * right failure to see). That includes a {@link LinkageError}: jnr-unixsocket loads its native part (jffi, extracted
 * to {@code java.io.tmpdir}) on first use, and if that fails the error must not escape silently.
 */
final class SystemdNotifier {

    private static final Logger LOG = LoggerFactory.getLogger(SystemdNotifier.class);

    /** Sends one datagram; jnr-unixsocket's in production. */
    @FunctionalInterface
    interface Transport {
        void send(ByteBuffer message, UnixSocketAddress to) throws IOException;
    }

    private static final Transport JNR = (message, to) -> {
        try (UnixDatagramChannel ch = UnixDatagramChannel.open()) {
            ch.send(message, to);
        }
    };

    private final Optional<UnixSocketAddress> socket;
    private final Transport transport;
    private boolean warned;

    private SystemdNotifier(Optional<UnixSocketAddress> socket, Transport transport) {
        this.socket = socket;
        this.transport = transport;
    }

    /** From the environment's {@code NOTIFY_SOCKET}. */
    static SystemdNotifier fromEnvironment() {
        return of(System.getenv("NOTIFY_SOCKET"));
    }

    /** {@code null} or empty: disabled. A leading {@code @} names an abstract socket, as systemd writes it. */
    static SystemdNotifier of(String notifySocket) {
        return of(notifySocket, JNR);
    }

    /** As {@link #of(String)}, sending with {@code transport} (tests). */
    static SystemdNotifier of(String notifySocket, Transport transport) {
        if (notifySocket == null || notifySocket.isEmpty()) {
            return new SystemdNotifier(Optional.empty(), transport);
        }
        String path = notifySocket.startsWith("@") ? "\0" + notifySocket.substring(1) : notifySocket;
        try {
            return new SystemdNotifier(Optional.of(new UnixSocketAddress(path)), transport);
        } catch (LinkageError e) { // jnr's native part (the address is a native struct)
            LOG.warn("NOTIFY_SOCKET={}: cannot notify systemd: {}; systemd will not hear READY=1 from this gateway",
                    notifySocket, e.toString(), e);
            return new SystemdNotifier(Optional.empty(), transport);
        }
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
        try {
            transport.send(ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)), socket.get());
        } catch (IOException | RuntimeException e) {
            warnOnce(e, false);
        } catch (LinkageError e) { // the native part did not load: say where, with its stack
            warnOnce(e, true);
        }
    }

    private void warnOnce(Throwable e, boolean withStack) {
        if (warned) {
            return;
        }
        warned = true;
        String path = socket.get().humanReadablePath();
        String hint = "systemd may miss READY=1, STOPPING=1 and STATUS from this gateway (further failures are not"
                + " logged)";
        if (withStack) {
            LOG.warn("sd_notify to {} failed: {}; {}", path, e.toString(), hint, e);
        } else {
            LOG.warn("sd_notify to {} failed: {}; {}", path, e.toString(), hint);
        }
    }
}
