package org.fcgate.it.multihost;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The load client of the failover tests ({@link CrossHostFailoverIT}, {@link LoopbackFailoverIT}), a JDK-only
 * program; the cross-host test runs it inside the gateway's namespace
 * ({@code ip netns exec NS java -cp TEST_CLASSES …}), since a JVM cannot move its own sockets to another namespace.
 *
 * <p>{@code WORKERS} threads send requests to {@code BASE?id=rN&sleep=MS} one after another, every
 * {@code POST_EVERY}-th a POST with a small body, until {@code MAX} requests were started or {@code STOP_FILE}
 * exists (so the loop is bounded either way). Each request, on a connection of its own, has {@code TIMEOUT_MS} to be
 * answered. One line per request goes to {@code OUT_FILE}, flushed at once:
 * <pre>id method status elapsed_ms echoed_id child_pid</pre>
 * where status is the HTTP status, {@code TIMEOUT}, or {@code IO:ExceptionName}; {@code echoed_id} is the {@code id}
 * in the {@code QUERY_STRING=} line of the sample app's answer and {@code child_pid} its {@code pid=} line
 * ({@code -} when absent).
 */
public final class FailoverLoadClient {

    private FailoverLoadClient() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            System.err.println("usage: FailoverLoadClient BASE_URL OUT_FILE STOP_FILE MAX WORKERS TIMEOUT_MS SLEEP_MS"
                    + " POST_EVERY");
            System.exit(2);
        }
        URI base = URI.create(args[0]);
        Path out = Path.of(args[1]);
        Path stop = Path.of(args[2]);
        int max = Integer.parseInt(args[3]);
        int workers = Integer.parseInt(args[4]);
        int timeoutMillis = Integer.parseInt(args[5]);
        int sleepMillis = Integer.parseInt(args[6]);
        int postEvery = Integer.parseInt(args[7]);
        AtomicInteger next = new AtomicInteger();
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                Thread t = new Thread(() -> {
                    for (int n = next.getAndIncrement(); n < max && !Files.exists(stop); n = next.getAndIncrement()) {
                        String line = one(base, n, timeoutMillis, sleepMillis, n % postEvery == postEvery - 1);
                        synchronized (w) {
                            w.println(line);
                            w.flush();
                        }
                    }
                }, "load-" + i);
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join();
            }
        }
    }

    /**
     * One request on a connection of its own ({@code Connection: close}), over a plain socket: an HTTP client library
     * may send an idempotent request again by itself when its connection closes before an answer (the JDK's does),
     * which would hide exactly what the test looks for.
     */
    private static String one(URI base, int n, int timeoutMillis, int sleepMillis, boolean post) {
        String id = "r" + n;
        String method = post ? "POST" : "GET";
        byte[] body = ("body of " + id).getBytes(StandardCharsets.US_ASCII);
        String head = method + " " + base.getRawPath() + "?id=" + id + "&sleep=" + sleepMillis + " HTTP/1.1\r\n"
                + "Host: " + base.getHost() + "\r\nConnection: close\r\n"
                + (post ? "Content-Type: text/plain\r\nContent-Length: " + body.length + "\r\n" : "") + "\r\n";
        long start = System.nanoTime();
        String status;
        String answer = "";
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(base.getHost(), base.getPort()), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            OutputStream o = s.getOutputStream();
            o.write(head.getBytes(StandardCharsets.US_ASCII));
            if (post) {
                o.write(body);
            }
            o.flush();
            Response r = Response.read(new DataInputStream(new BufferedInputStream(s.getInputStream())));
            status = Integer.toString(r.status);
            answer = r.body;
        } catch (SocketTimeoutException e) {
            status = "TIMEOUT";
        } catch (IOException e) {
            status = "IO:" + e.getClass().getSimpleName();
        }
        long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
        if (elapsed > timeoutMillis) {
            status = "TIMEOUT";
        }
        return id + " " + method + " " + status + " " + elapsed + " " + echoedId(answer) + " " + line(answer, "pid=");
    }

    /** A response read whole: Content-Length, chunked, or until the close. */
    private record Response(int status, String body) {
        static Response read(DataInputStream in) throws IOException {
            String statusLine = readLine(in);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("bad status line: " + statusLine);
            }
            long length = -1;
            boolean chunked = false;
            for (String h = readLine(in); !h.isEmpty(); h = readLine(in)) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(h.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (chunked) {
                for (int size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16); size > 0;
                        size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16)) {
                    body.write(in.readNBytes(size));
                    readLine(in);
                }
            } else if (length >= 0) {
                byte[] b = in.readNBytes((int) length);
                if (b.length < length) {
                    throw new EOFException("body shorter than its Content-Length");
                }
                body.write(b);
            } else {
                body.write(in.readAllBytes());
            }
            return new Response(Integer.parseInt(parts[1]), body.toString(StandardCharsets.UTF_8));
        }

        private static String readLine(DataInputStream in) throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new EOFException("connection closed in the head");
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }
    }

    /** The {@code id} parameter of the answer's {@code QUERY_STRING=} line. */
    private static String echoedId(String body) {
        String query = line(body, "QUERY_STRING=");
        for (String pair : query.split("&")) {
            if (pair.startsWith("id=")) {
                return pair.substring(3);
            }
        }
        return "-";
    }

    private static String line(String body, String prefix) {
        return body.lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).findFirst()
                .filter(v -> !v.isEmpty() && v.indexOf(' ') < 0).orElse("-");
    }
}
