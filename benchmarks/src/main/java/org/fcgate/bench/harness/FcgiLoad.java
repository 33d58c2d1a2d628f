package org.fcgate.bench.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.fcgate.fcgi.client.ClientRequestEncoder;
import org.fcgate.fcgi.client.ClientResponseDecoder;
import org.fcgate.fcgi.client.ResponseListener;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.Role;

/**
 * A FastCGI load client with no HTTP front: the ceiling of a FastCGI server (php-fpm, php-cgi) on its own, so that a
 * front's overhead reads as a ratio. One blocking thread per connection, each connection persistent
 * (FCGI_KEEP_CONN), one request at a time on it; with as many connections as the server has workers, every worker
 * is busy all the time and nothing queues. Requests are encoded once with {@link ClientRequestEncoder} (nginx's
 * {@code fastcgi_params} for the script) and responses read with {@link ClientResponseDecoder}.
 *
 * <pre>
 * java -cp benchmarks.jar org.fcgate.bench.harness.FcgiLoad --address unix:/tmp/php-fpm.sock \
 *      --document-root /srv/www --script /hello.php --connections 2 --warmup 3s --duration 10s [--out FILE]
 *      [--body-file FORM --content-type application/x-www-form-urlencoded] [--wait-for-go]
 * </pre>
 * The result ({@link LoadResult#format()}) goes to {@code --out} or stdout. With {@code --wait-for-go} the client
 * prints {@code warm} after the warm-up and waits for a line on stdin before it measures, so a caller can snapshot
 * the server's CPU time exactly around the measured part. A response whose CGI head says {@code Status: } 4xx/5xx,
 * or whose END_REQUEST is not REQUEST_COMPLETE, or a broken connection, counts as an error (the connection is then
 * opened again). No request is left waiting past {@code --duration} plus 10 s: the connections are closed.
 */
public final class FcgiLoad {

    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private enum Phase { WARMUP, MEASURE, STOP }

    private volatile Phase phase = Phase.WARMUP;
    private final SocketAddress address;
    private final ByteBuffer request;

    FcgiLoad(SocketAddress address, ByteBuffer request) {
        this.address = address;
        this.request = request;
    }

    public static void main(String[] argv) throws Exception {
        Args a;
        try {
            a = new Args("FcgiLoad", argv, Set.of("--address", "--document-root", "--script", "--connections",
                    "--warmup", "--duration", "--out", "--body-file", "--content-type", "--query"),
                    Set.of("--wait-for-go"));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        byte[] body = a.get("--body-file", null) == null ? new byte[0]
                : Files.readAllBytes(Path.of(a.get("--body-file", null)));
        Params params = params(a.required("--document-root"), a.required("--script"), a.get("--query", ""),
                body.length, a.get("--content-type", "application/x-www-form-urlencoded"));
        ByteBuffer request = ClientRequestEncoder.encode(1, Role.RESPONDER, true, params, ByteBuffer.wrap(body));
        FcgiLoad load = new FcgiLoad(address(a.required("--address")), request);
        LoadResult result = load.run(Math.max(1, a.integer("--connections", 1)),
                a.duration("--warmup", Duration.ofSeconds(2)), a.duration("--duration", Duration.ofSeconds(10)),
                a.flag("--wait-for-go"));
        String out = a.get("--out", null);
        if (out == null) {
            System.out.print(result.format());
        } else {
            Files.writeString(Path.of(out), result.format());
        }
        System.err.printf("FcgiLoad: %d requests, %d errors, %.0f req/s, p50 %.0f us, p99 %.0f us%n",
                result.requests(), result.errors(), result.requestsPerSecond(), result.p50Micros(),
                result.p99Micros());
    }

    LoadResult run(int connections, Duration warmup, Duration duration, boolean waitForGo)
            throws InterruptedException, IOException {
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Worker w = new Worker(request.duplicate());
            workers.add(w);
            w.thread.start();
        }
        Thread.sleep(warmup.toMillis());
        if (waitForGo) {
            PrintStream out = System.out;
            out.println("warm");
            out.flush();
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)).readLine();
            if (line == null) {
                throw new IOException("stdin closed before the go line");
            }
        }
        long start = System.nanoTime();
        phase = Phase.MEASURE;
        Thread.sleep(duration.toMillis());
        phase = Phase.STOP;
        long end = System.nanoTime();
        long deadline = end + STOP_GRACE.toNanos();
        for (Worker w : workers) {
            w.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (w.thread.isAlive()) {
                w.close(); // unblocks a read on a server that stopped answering
                w.thread.join();
            }
        }
        List<Latencies> parts = new ArrayList<>();
        long errors = 0;
        for (Worker w : workers) {
            parts.add(w.latencies);
            errors += w.errors;
            if (w.lastError != null) {
                System.err.println("FcgiLoad: last error on a connection: " + w.lastError);
            }
        }
        long[] sorted = Latencies.sorted(parts);
        double seconds = (end - start) / 1e9;
        return new LoadResult(sorted.length + errors, errors, seconds, sorted.length / seconds,
                Latencies.percentileMicros(sorted, 50), Latencies.percentileMicros(sorted, 90),
                Latencies.percentileMicros(sorted, 99), Latencies.percentileMicros(sorted, 100));
    }

    /** The params nginx sends for {@code script} with Debian's {@code fastcgi_params} and {@code fastcgi.conf}. */
    static Params params(String documentRoot, String script, String query, int contentLength, String contentType) {
        String uri = query.isEmpty() ? script : script + "?" + query;
        return Params.builder()
                .add("QUERY_STRING", query)
                .add("REQUEST_METHOD", contentLength > 0 ? "POST" : "GET")
                .add("CONTENT_TYPE", contentLength > 0 ? contentType : "")
                .add("CONTENT_LENGTH", contentLength > 0 ? Integer.toString(contentLength) : "")
                .add("SCRIPT_NAME", script)
                .add("REQUEST_URI", uri)
                .add("DOCUMENT_URI", script)
                .add("DOCUMENT_ROOT", documentRoot)
                .add("SERVER_PROTOCOL", "HTTP/1.1")
                .add("REQUEST_SCHEME", "http")
                .add("GATEWAY_INTERFACE", "CGI/1.1")
                .add("SERVER_SOFTWARE", "fcgate-bench")
                .add("REMOTE_ADDR", "127.0.0.1")
                .add("REMOTE_PORT", "40000")
                .add("SERVER_ADDR", "127.0.0.1")
                .add("SERVER_PORT", "80")
                .add("SERVER_NAME", "localhost")
                .add("REDIRECT_STATUS", "200")
                .add("SCRIPT_FILENAME", documentRoot + script)
                .add("HTTP_HOST", "localhost")
                .build();
    }

    /** {@code unix:/path} or {@code host:port}. */
    static SocketAddress address(String text) {
        if (text.startsWith("unix:")) {
            return UnixDomainSocketAddress.of(text.substring(5));
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("--address wants unix:/path or host:port, not '" + text + "'");
        }
        return new InetSocketAddress(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
    }

    /** One connection and the thread that drives it. */
    private final class Worker implements ResponseListener {
        final Thread thread = new Thread(this::loop, "fcgi-load");
        final Latencies latencies = new Latencies();
        final ByteBuffer request;
        final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
        volatile java.nio.channels.SocketChannel channel;
        ClientResponseDecoder decoder;
        long errors;
        String lastError;
        // the response being read
        boolean ended;
        boolean headSeen;
        boolean failed;

        Worker(ByteBuffer request) {
            this.request = request;
            thread.setDaemon(true);
        }

        void loop() {
            while (phase != Phase.STOP) {
                long t0 = System.nanoTime();
                Phase started = phase;
                boolean ok;
                try {
                    ok = exchange();
                } catch (IOException | RuntimeException e) { // FcgiProtocolException is an IOException
                    ok = false;
                    lastError = e.toString();
                    close();
                    if (phase != Phase.STOP) {
                        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                    }
                }
                long t1 = System.nanoTime();
                if (started == Phase.MEASURE && phase == Phase.MEASURE) {
                    if (ok) {
                        latencies.add(t1 - t0);
                    } else {
                        errors++;
                    }
                }
            }
            close();
        }

        /** One request on the kept connection; false for an error answer. */
        boolean exchange() throws IOException {
            if (channel == null) {
                channel = java.nio.channels.SocketChannel.open(address);
                decoder = new ClientResponseDecoder(FcgiLimits.DEFAULTS);
            }
            ended = false;
            headSeen = false;
            failed = false;
            decoder.register(1, this);
            request.clear();
            while (request.hasRemaining()) {
                channel.write(request);
            }
            while (!ended) {
                in.clear();
                if (channel.read(in) < 0) {
                    decoder.endOfInput();
                    throw new IOException("server closed the connection");
                }
                decoder.feed(in.flip());
            }
            decoder.forget(1);
            return !failed;
        }

        void close() {
            java.nio.channels.SocketChannel c = channel;
            channel = null;
            if (c != null) {
                try {
                    c.close();
                } catch (IOException e) {
                    lastError = e.toString();
                }
            }
        }

        @Override
        public void onStdout(ByteBuffer chunk) {
            if (!headSeen) {
                headSeen = true;
                int status = cgiStatus(chunk);
                failed |= status >= 400;
            }
        }

        @Override
        public void onStderr(ByteBuffer chunk) {
            // PHP notices go here; not an error of the exchange
        }

        @Override
        public void onEnd(int appStatus, ProtocolStatus status) {
            ended = true;
            failed |= status != ProtocolStatus.REQUEST_COMPLETE;
        }
    }

    /**
     * The code of a {@code Status:} line in the CGI head at the start of {@code chunk} (RFC 3875 §6.3.3), or 200 when
     * the head (as far as this chunk holds it) has none. Reads without moving the chunk's position.
     */
    static int cgiStatus(ByteBuffer chunk) {
        int lineStart = chunk.position();
        int end = chunk.limit();
        for (int i = lineStart; i < end; i++) {
            if (chunk.get(i) != '\n') {
                continue;
            }
            int len = i - lineStart;
            if (len == 0 || len == 1 && chunk.get(lineStart) == '\r') {
                return 200; // blank line: end of the head
            }
            if (len >= 11 && startsWithIgnoreCase(chunk, lineStart, "status:")) {
                int at = lineStart + 7;
                while (at < i && chunk.get(at) == ' ') {
                    at++;
                }
                int code = 0;
                for (int k = 0; k < 3 && at + k < i; k++) {
                    byte b = chunk.get(at + k);
                    if (b < '0' || b > '9') {
                        return 200;
                    }
                    code = code * 10 + (b - '0');
                }
                return code;
            }
            lineStart = i + 1;
        }
        return 200;
    }

    private static boolean startsWithIgnoreCase(ByteBuffer b, int at, String prefix) {
        for (int i = 0; i < prefix.length(); i++) {
            if (Character.toLowerCase((char) b.get(at + i)) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
