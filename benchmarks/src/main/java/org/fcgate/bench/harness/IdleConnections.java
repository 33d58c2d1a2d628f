package org.fcgate.bench.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Opens N HTTP/1.1 keep-alive connections to one server, makes one request on each (so each is an idle keep-alive
 * connection, not a fresh accept), holds them, and on command checks that every one still answers. One thread, one
 * selector; at most {@code --parallel} connects and requests outstanding while opening, so the server's accept
 * backlog is not the thing measured.
 *
 * <pre>
 * java -cp benchmarks.jar org.fcgate.bench.harness.IdleConnections --port 8080 --path /1k.html --connections 10000
 *      [--host 127.0.0.1] [--parallel 128] [--timeout 120s]
 * </pre>
 * Dialogue on stdout/stdin, one line each, for a script that measures the server in between:
 * <pre>
 *   → held H of N in T ms, failed F[: first error]     (all answered once, failed, or --timeout passed)
 *   ← check
 *   → answered A of H in T ms, closed-by-server C       (one more request on every held connection)
 *   ← quit            (or end of stdin)
 *   → closed
 * </pre>
 * Raise {@code ulimit -n} above N first. Every phase ends by {@code --timeout}: nothing waits forever.
 */
public final class IdleConnections {

    private final InetSocketAddress target;
    private final ByteBuffer request;
    private final int parallel;
    private final Duration timeout;
    private final Selector selector;
    private final List<Conn> conns = new ArrayList<>();
    private final ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024);
    private String firstError;
    private int closedByServer;

    IdleConnections(InetSocketAddress target, String path, int parallel, Duration timeout) throws IOException {
        this.target = target;
        this.request = ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: " + target.getHostString()
                + "\r\nUser-Agent: fcgate-bench-idle\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        this.parallel = parallel;
        this.timeout = timeout;
        this.selector = Selector.open();
    }

    public static void main(String[] argv) throws IOException {
        Args a;
        try {
            a = new Args("IdleConnections", argv, Set.of("--host", "--port", "--path", "--connections", "--parallel",
                    "--timeout"), Set.of());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        InetSocketAddress target = new InetSocketAddress(a.get("--host", "127.0.0.1"),
                Integer.parseInt(a.required("--port")));
        IdleConnections idle = new IdleConnections(target, a.get("--path", "/"), Math.max(1,
                a.integer("--parallel", 128)), a.duration("--timeout", Duration.ofSeconds(120)));
        int n = a.integer("--connections", 1000);
        say(idle.open(n));
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        for (String line = stdin.readLine(); line != null && !line.equals("quit"); line = stdin.readLine()) {
            if (line.equals("check")) {
                say(idle.check());
            } else {
                say("unknown command '" + line + "': check or quit");
            }
        }
        idle.closeAll();
        say("closed");
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** Opens and uses {@code n} connections, at most {@link #parallel} at a time in flight. */
    String open(int n) throws IOException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        int started = 0;
        int failed = 0;
        int inFlight = 0;
        int held = 0;
        while (held + failed < n && System.nanoTime() < deadline) {
            while (started < n && inFlight < parallel) {
                started++;
                inFlight++;
                Conn c = null;
                try {
                    c = new Conn();
                    c.connect();
                } catch (IOException e) {
                    if (c != null) {
                        c.fail(e.toString());
                    } else if (firstError == null) {
                        firstError = e.toString(); // e.g. too many open files: raise ulimit -n
                    }
                    failed++;
                    inFlight--;
                }
            }
            int[] delta = pump(deadline);
            held += delta[0];
            failed += delta[1];
            inFlight -= delta[0] + delta[1];
        }
        return "held " + held + " of " + n + " in " + millis(start) + " ms, failed " + (n - held)
                + (firstError != null ? ": " + firstError : "");
    }

    /**
     * One more request on every held connection, at most {@link #parallel} outstanding at a time (as when opening):
     * whether each connection still answers, not how the server takes a burst of them all at once.
     */
    String check() throws IOException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        List<Conn> idle = new ArrayList<>();
        closedByServer = 0;
        for (Conn c : conns) {
            if (c.state == State.IDLE) {
                idle.add(c);
            } else if (c.state == State.CLOSED_BY_SERVER) {
                closedByServer++;
            }
        }
        int held = idle.size() + closedByServer; // before this check: open, or closed by the server since
        int next = 0;
        int inFlight = 0;
        int answered = 0;
        int failed = 0;
        while (answered + failed < idle.size() && System.nanoTime() < deadline) {
            while (next < idle.size() && inFlight < parallel) {
                Conn c = idle.get(next++);
                if (c.state != State.IDLE) {
                    closedByServer++; // the server closed it while it waited for its turn
                    failed++;
                    continue;
                }
                inFlight++;
                try {
                    c.send();
                } catch (IOException e) {
                    c.fail(e.toString());
                    failed++;
                    inFlight--;
                }
            }
            int[] delta = pump(deadline);
            answered += delta[0];
            failed += delta[1];
            inFlight -= delta[0] + delta[1];
        }
        return "answered " + answered + " of " + held + " in " + millis(start) + " ms, closed-by-server "
                + closedByServer + (firstError != null ? ", first error: " + firstError : "");
    }

    /** Runs the selector once; returns {completed exchanges, failures}. */
    private int[] pump(long deadline) throws IOException {
        long waitMillis = Math.max(1, Math.min(100, (deadline - System.nanoTime()) / 1_000_000));
        selector.select(waitMillis);
        int done = 0;
        int failed = 0;
        for (SelectionKey k : selector.selectedKeys()) {
            Conn c = (Conn) k.attachment();
            try {
                if (k.isConnectable()) {
                    c.channel.finishConnect();
                    c.send();
                } else if (k.isReadable()) {
                    State before = c.state;
                    c.read();
                    if (before == State.BUSY && c.state == State.IDLE) {
                        done++;
                    } else if (before == State.BUSY && c.state == State.FAILED) {
                        failed++;
                    }
                }
            } catch (IOException e) {
                boolean wasBusy = c.state == State.BUSY || c.state == State.CONNECTING;
                c.fail(e.toString());
                if (wasBusy) {
                    failed++;
                }
            }
        }
        selector.selectedKeys().clear();
        return new int[] {done, failed};
    }

    void closeAll() {
        for (Conn c : conns) {
            try {
                c.channel.close();
            } catch (IOException e) {
                // closing at exit: nothing left to do with it
            }
        }
    }

    private static long millis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    private enum State { CONNECTING, BUSY, IDLE, CLOSED_BY_SERVER, FAILED }

    private final class Conn {
        final SocketChannel channel;
        final HttpResponseReader reader = new HttpResponseReader();
        SelectionKey key;
        State state = State.CONNECTING;

        Conn() throws IOException {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            conns.add(this);
        }

        void connect() throws IOException {
            if (channel.connect(target)) {
                key = channel.register(selector, SelectionKey.OP_READ, this);
                send();
            } else {
                key = channel.register(selector, SelectionKey.OP_CONNECT, this);
            }
        }

        void send() throws IOException {
            ByteBuffer r = request.duplicate();
            channel.write(r);
            if (r.hasRemaining()) {
                throw new IOException("request not written at once (" + r.remaining() + " bytes left)");
            }
            reader.reset();
            state = State.BUSY;
            key.interestOps(SelectionKey.OP_READ);
        }

        void read() throws IOException {
            in.clear();
            int n = channel.read(in);
            if (n < 0) {
                if (state == State.IDLE) {
                    state = State.CLOSED_BY_SERVER; // keep-alive timeout, or the server dropped it
                    key.cancel();
                    return;
                }
                throw new IOException("server closed the connection mid-response");
            }
            if (state != State.BUSY) {
                fail("unexpected " + n + " bytes on an idle connection");
                return;
            }
            in.flip();
            switch (reader.feed(in)) {
                case MORE -> { }
                case DONE -> {
                    if (reader.status() != 200) {
                        fail("status " + reader.status());
                    } else {
                        state = State.IDLE;
                    }
                }
                case UNSUPPORTED -> fail("response without Content-Length");
            }
        }

        void fail(String why) {
            if (firstError == null) {
                firstError = why;
            }
            state = State.FAILED;
            try {
                channel.close();
            } catch (IOException e) {
                // already failed
            }
        }
    }
}
