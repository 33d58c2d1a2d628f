package org.fcgate.it.multihost;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The load client of the failover tests ({@link CrossHostFailoverIT}, {@link LoopbackFailoverIT}), a JDK-only
 * program; the cross-host test runs it inside the gateway's namespace
 * ({@code ip netns exec NS java -cp TEST_CLASSES …}), since a JVM cannot move its own sockets to another namespace.
 *
 * <p>{@code WORKERS} threads send requests to {@code BASE?id=rN&sleep=MS} one after another, every
 * {@code POST_EVERY}-th a POST with a small body, until {@code MAX} requests were started or {@code STOP_FILE}
 * exists (so the loop is bounded either way). Each request has {@code TIMEOUT_MS} to be answered. One line per
 * request goes to {@code OUT_FILE}, flushed at once:
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
        String base = args[0];
        Path out = Path.of(args[1]);
        Path stop = Path.of(args[2]);
        int max = Integer.parseInt(args[3]);
        int workers = Integer.parseInt(args[4]);
        Duration timeout = Duration.ofMillis(Long.parseLong(args[5]));
        int sleepMillis = Integer.parseInt(args[6]);
        int postEvery = Integer.parseInt(args[7]);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout).build();
        AtomicInteger next = new AtomicInteger();
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                Thread t = new Thread(() -> {
                    for (int n = next.getAndIncrement(); n < max && !Files.exists(stop); n = next.getAndIncrement()) {
                        String line = one(client, base, n, timeout, sleepMillis, n % postEvery == postEvery - 1);
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

    private static String one(HttpClient client, String base, int n, Duration timeout, int sleepMillis,
                              boolean post) {
        String id = "r" + n;
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "?id=" + id + "&sleep=" + sleepMillis))
                .timeout(timeout);
        b = post ? b.POST(HttpRequest.BodyPublishers.ofString("body of " + id)) : b.GET();
        String method = post ? "POST" : "GET";
        long start = System.nanoTime();
        String status;
        String body = "";
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            status = Integer.toString(r.statusCode());
            body = r.body();
        } catch (HttpTimeoutException e) {
            status = "TIMEOUT";
        } catch (IOException e) {
            status = "IO:" + e.getClass().getSimpleName();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = "IO:Interrupted";
        }
        long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
        return id + " " + method + " " + status + " " + elapsed + " " + echoedId(body) + " " + line(body, "pid=");
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
