package org.fcgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.fcgate.it.peer.FcgateProcess;
import org.fcgate.it.peer.NginxProcess;
import org.fcgate.it.peer.PeerBinaries;
import org.fcgate.it.peer.PeerProcess;
import org.fcgate.it.support.NoLeakedProcesses;
import org.fcgate.it.support.RawHttp;
import org.fcgate.it.support.TestBodies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * R76: configuration reload under load, with the gateway as operators run it ({@code java -jar fcgate.jar run
 * --config FILE}, a static pool of php-cgi) and a bounded mixed load of about 50 requests a second from this JVM:
 * a static file, a fast script, a 2 s script and a 1 MiB upload, each on a new connection (so a listening socket
 * closed for a moment would show as a refused connect), each answer saying which configuration routed it
 * ({@code GEN} param) and which child served it (pid). Four reloads while it runs, one through each path:
 * <ol>
 *   <li>SIGHUP: max_children 4 → 6 and GEN 2 (a new generation of children);</li>
 *   <li>{@code POST /reload} with an invalid file: 422 with both errors, both logged, GEN 2 kept;</li>
 *   <li>{@code fcgate reload --config FILE}: GEN 3 only (the pool is kept: same children);</li>
 *   <li>a burst of ten SIGHUPs from one shell after writing max_children 5 and GEN 4: one effective reload.</li>
 * </ol>
 * Then: not one failed request (every answer 200 with the right body; no reset, no refused connection: the
 * listening socket never closed), 2 s requests in flight at the first reload answered by the old generation, every
 * generation of children disjoint from the next changed one (a request is routed by one configuration only), the
 * pool once in {@code /metrics} with the last size, and exactly that many php-cgi children left.
 */
@ExtendWith(NoLeakedProcesses.class)
class ReloadR76IT {

    private static final String TOKEN = "r76-admin-token-0123456789abcdef";
    private static final Pattern ANSWER = Pattern.compile("gen=(\\d+) pid=(\\d+)(?: len=(\\d+) sha256=([0-9a-f]+))?\n");
    private static final byte[] UPLOAD = TestBodies.deterministic(TestBodies.ONE_MIB, 76);
    private static final String UPLOAD_SHA = TestBodies.sha256Hex(UPLOAD);
    private static final String STATIC = "static file for R76\n".repeat(100);
    /** The load's bound: one request every 20 ms, at most this many (the scenario needs far fewer). */
    private static final int MAX_REQUESTS = 4000;

    @TempDir
    Path dir;

    private enum Kind { STATIC, FAST, SLOW, UPLOAD }

    /** One request of the load: what it was, when it ran, and how it ended. */
    private record Result(Kind kind, long startNanos, long endNanos, int status, String body, Optional<Throwable> error) {
        Optional<Matcher> answer() {
            Matcher m = ANSWER.matcher(body);
            return m.matches() ? Optional.of(m) : Optional.empty();
        }

        int gen() {
            return answer().map(m -> Integer.parseInt(m.group(1))).orElse(0);
        }

        long pid() {
            return answer().map(m -> Long.parseLong(m.group(2))).orElse(0L);
        }

        /** The problem with this answer, if any. */
        Optional<String> failure() {
            if (error.isPresent()) {
                return Optional.of(kind + ": " + error.get());
            }
            if (status != 200) {
                return Optional.of(kind + ": status " + status + " " + body);
            }
            boolean ok = switch (kind) {
                case STATIC -> body.equals(STATIC);
                case FAST, SLOW -> answer().isPresent() && answer().get().group(3) == null;
                case UPLOAD -> answer().filter(m -> String.valueOf(UPLOAD.length).equals(m.group(3))
                        && UPLOAD_SHA.equals(m.group(4))).isPresent();
            };
            return ok ? Optional.empty() : Optional.of(kind + ": unexpected body " + body);
        }
    }

    @Test
    void R76_reloadsUnderMixedLoadFailNoRequest() throws Exception {
        Path php = PeerBinaries.require("php-cgi", "php8.2-cgi");
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("static.txt"), STATIC);
        String answer = "echo 'gen=', $_SERVER['GEN'], ' pid=', getmypid()";
        Files.writeString(www.resolve("fast.php"), "<?php header('Content-Type: text/plain'); " + answer
                + ", \"\\n\";");
        Files.writeString(www.resolve("slow.php"), "<?php header('Content-Type: text/plain'); usleep(2000000); "
                + answer + ", \"\\n\";");
        Files.writeString(www.resolve("upload.php"), "<?php header('Content-Type: text/plain'); "
                + "$b = file_get_contents('php://input'); " + answer
                + ", ' len=', strlen($b), ' sha256=', hash('sha256', $b), \"\\n\";");
        Files.writeString(dir.resolve("admin.token"), TOKEN + "\n");
        int port = NginxProcess.freeLoopbackPort();
        int adminPort = NginxProcess.freeLoopbackPort();
        Path config = dir.resolve("fcgate.yaml");
        Files.writeString(config, config(php, port, adminPort, 4, 1, ""));

        Map<String, String> env = PeerProcess.baseEnvironment();
        env.put("LANG", "C.UTF-8");
        ExecutorService clients = Executors.newFixedThreadPool(24);
        ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<Void>> pending = new ArrayList<>(); // each request's result recorded
        AtomicInteger slowInFlight = new AtomicInteger();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        try (FcgateProcess fcgate = FcgateProcess.run(dir, config, port, List.of(), env)) {
            AtomicInteger tick = new AtomicInteger();
            ticker.scheduleAtFixedRate(() -> {
                int i = tick.getAndIncrement();
                if (i >= MAX_REQUESTS) {
                    return;
                }
                Kind kind = i % 20 == 0 ? Kind.SLOW : i % 10 == 5 ? Kind.UPLOAD : i % 2 == 0 ? Kind.STATIC
                        : Kind.FAST;
                CompletableFuture<Void> recorded = CompletableFuture.supplyAsync(() -> send(port, kind,
                        slowInFlight), clients).thenAccept(results::add);
                synchronized (pending) {
                    pending.add(recorded);
                }
            }, 0, 20, TimeUnit.MILLISECONDS);

            await("warm-up: answers of generation 1").atMost(Duration.ofSeconds(60))
                    .until(() -> count(results, r -> r.gen() == 1 && r.kind() == Kind.SLOW) >= 2);

            // 1. SIGHUP: a new pool size, so a new generation of children, while 2 s requests are in flight.
            await().atMost(Duration.ofSeconds(30)).until(() -> slowInFlight.get() > 0);
            long firstReload = System.nanoTime();
            Files.writeString(config, config(php, port, adminPort, 6, 2, ""));
            fcgate.signal("HUP", 1);
            await("new requests use generation 2").atMost(Duration.ofSeconds(60))
                    .until(() -> count(results, r -> r.gen() == 2 && r.startNanos() > firstReload) >= 5);

            // 2. An invalid file through POST /reload: rejected with every error, generation 2 kept.
            Files.writeString(config, config(php, port, adminPort, 0, 9, "bogus_key: 1\n"));
            RawHttp.Response rejected = RawHttp.exchange(adminPort, "127.0.0.1", new RawHttp.Request("POST",
                    "/reload", List.of("Authorization: Bearer " + TOKEN), new byte[0], null));
            assertThat(rejected.status()).as(rejected.bodyText()).isEqualTo(422);
            assertThat(rejected.bodyText()).startsWith("rejected: 2 errors; still serving configuration generation 2\n")
                    .contains("error: bogus_key unknown key", "error: pools.php.max_children (0) must be at least 1");
            assertThat(fcgate.log()).contains("reload rejected: " + config + ": bogus_key unknown key",
                    "reload rejected: " + config + ": pools.php.max_children (0) must be at least 1");
            long afterRejected = System.nanoTime();
            await("still generation 2 after the rejected file").atMost(Duration.ofSeconds(30))
                    .until(() -> count(results, r -> r.gen() == 2 && r.startNanos() > afterRejected) >= 5);

            // 3. fcgate reload --config: only a route param changes; the pool keeps its children.
            Files.writeString(config, config(php, port, adminPort, 6, 3, ""));
            FcgateProcess.CommandResult cli = FcgateProcess.command(dir, List.of("reload", "--config",
                    config.toString()));
            assertThat(cli.exit()).as(cli.output()).isZero();
            assertThat(cli.output()).contains("reloaded: configuration generation 3");
            await("generation 3").atMost(Duration.ofSeconds(30))
                    .until(() -> count(results, r -> r.gen() == 3) >= 5);

            // 4. A burst of ten SIGHUPs after writing a new pool size: one effective reload, the last file.
            Files.writeString(config, config(php, port, adminPort, 5, 4, ""));
            fcgate.signal("HUP", 10);
            await("generation 4").atMost(Duration.ofSeconds(60))
                    .until(() -> count(results, r -> r.gen() == 4) >= 5);
            long afterBurst = System.nanoTime();
            await("more load on generation 4").atMost(Duration.ofSeconds(30))
                    .until(() -> count(results, r -> r.gen() == 4 && r.startNanos() > afterBurst) >= 10);

            ticker.shutdown();
            assertThat(ticker.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            List<CompletableFuture<Void>> all;
            synchronized (pending) {
                all = List.copyOf(pending);
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            List<Result> done = List.copyOf(results);
            assertThat(done.size()).as("every request recorded").isEqualTo(all.size())
                    .isLessThanOrEqualTo(MAX_REQUESTS);
            assertThat(done.stream().flatMap(r -> r.failure().stream()).toList()).as("failed requests").isEmpty();
            assertThat(done).extracting(Result::kind).contains(Kind.STATIC, Kind.FAST, Kind.SLOW, Kind.UPLOAD);

            List<Result> inFlightAtFirstReload = done.stream().filter(r -> r.kind() == Kind.SLOW
                    && r.startNanos() < firstReload && r.endNanos() > firstReload).toList();
            assertThat(inFlightAtFirstReload).as("2 s requests in flight at the first reload").isNotEmpty()
                    .allMatch(r -> r.gen() == 1);
            Map<Integer, Set<Long>> pids = done.stream().filter(r -> r.gen() > 0).collect(Collectors.groupingBy(
                    Result::gen, Collectors.mapping(Result::pid, Collectors.toSet())));
            assertThat(pids.keySet()).containsExactlyInAnyOrder(1, 2, 3, 4);
            assertThat(pids.get(1)).as("the old generation's children, old routes only")
                    .doesNotContainAnyElementsOf(pids.get(2));
            assertThat(pids.get(2)).as("kept by reload 3").containsAll(pids.get(3));
            assertThat(pids.get(4)).as("a new generation again").doesNotContainAnyElementsOf(pids.get(3))
                    .doesNotContainAnyElementsOf(pids.get(2));

            String log = fcgate.log();
            System.out.printf("R76: %d requests: %s; answers per configuration generation: %s%n", done.size(),
                    done.stream().collect(Collectors.groupingBy(Result::kind, Collectors.counting())),
                    done.stream().collect(Collectors.groupingBy(Result::gen, Collectors.counting())));
            assertThat(occurrences(log, "reload applied: configuration generation")).as(log).isEqualTo(3);
            assertThat(occurrences(log, "configuration generation 4 in force")).isEqualTo(1);
            assertThat(log).contains("upstream php: new generation of children (max_children 4 -> 6)",
                    "upstream php: new generation of children (max_children 6 -> 5)");
            assertThat(occurrences(log, "upstream php: new generation of children (max_children 6 -> 5)"))
                    .as("the burst").isEqualTo(1);

            RawHttp.Response metrics = RawHttp.exchange(adminPort, "127.0.0.1", RawHttp.Request.get("/metrics"));
            assertThat(metrics.bodyText().lines().filter(l -> l.startsWith("fcgate_pool_max_children{")).toList())
                    .containsExactly("fcgate_pool_max_children{pool=\"php\"} 5.0");
            await("the old generations' children are gone").atMost(Duration.ofSeconds(60))
                    .until(() -> phpChildren(fcgate.process().pid()), n -> n == 5);
        } finally {
            ticker.shutdownNow();
            clients.shutdownNow();
        }
    }

    private static String config(Path php, int port, int adminPort, int children, int gen, String extra) {
        return """
                listen: 127.0.0.1:%d
                root: www
                shutdown_timeout: 30s
                access_log: {path: off}
                %sadmin:
                  listen: 127.0.0.1:%d
                  token_file: admin.token
                pools:
                  php:
                    command: [%s]
                    pm: static
                    max_children: %d
                    queue_timeout: 30s
                    env: {PHP_FCGI_CHILDREN: 0, PHP_FCGI_MAX_REQUESTS: 0}
                routes:
                  - match: {extension: .php}
                    fastcgi: {upstream: php, params: {GEN: "%d"}}
                  - match: {prefix: /}
                    static: {}
                """.formatted(port, extra, adminPort, php, children, gen);
    }

    /** One request on a connection of its own (RawHttp: Connection: close), blocking; never throws. */
    private static Result send(int port, Kind kind, AtomicInteger slow) {
        RawHttp.Request request = switch (kind) {
            case STATIC -> RawHttp.Request.get("/static.txt");
            case FAST -> RawHttp.Request.get("/fast.php");
            case SLOW -> RawHttp.Request.get("/slow.php");
            case UPLOAD -> RawHttp.Request.post("/upload.php", "application/octet-stream", UPLOAD);
        };
        long start = System.nanoTime();
        if (kind == Kind.SLOW) {
            slow.incrementAndGet();
        }
        try {
            RawHttp.Response r = RawHttp.exchange(port, "127.0.0.1", request);
            return new Result(kind, start, System.nanoTime(), r.status(), r.bodyText(), Optional.empty());
        } catch (RuntimeException e) {
            return new Result(kind, start, System.nanoTime(), 0, "", Optional.of(e));
        } finally {
            if (kind == Kind.SLOW) {
                slow.decrementAndGet();
            }
        }
    }

    private static long count(ConcurrentLinkedQueue<Result> results, java.util.function.Predicate<Result> p) {
        return results.stream().filter(p).count();
    }

    private static int occurrences(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static long phpChildren(long gateway) {
        return ProcessHandle.of(gateway).stream().flatMap(ProcessHandle::children)
                .filter(h -> h.info().command().map(c -> c.contains("php-cgi")).orElse(false)).count();
    }
}
