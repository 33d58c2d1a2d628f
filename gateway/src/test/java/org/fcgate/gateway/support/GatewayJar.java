package org.fcgate.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The gateway as operators run it: {@code java -jar target/fcgate.jar run --config FILE --admin 0} in a child JVM,
 * stdout and stderr each in a file of the test's directory, stopped with SIGTERM by its pid.
 *
 * <p>Lifecycle: {@link #run} (returns once the public and admin listeners are up) → requests → {@link #close()}
 * (SIGTERM, then asserts exit 0 within 30 s; SIGKILL and a failure otherwise).
 */
public final class GatewayJar implements AutoCloseable {

    private static final Pattern PORT = Pattern.compile(" on port (\\d+)");
    private static final Pattern ADMIN_PORT = Pattern.compile("admin listening on /127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final int port;
    private final int adminPort;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private GatewayJar(Process process, Path stdout, Path stderr, int port, int adminPort) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.port = port;
        this.adminPort = adminPort;
    }

    /** Writes {@code yaml} to {@code dir/fcgate.yaml} and runs it with an admin listener on a free loopback port. */
    public static GatewayJar run(Path dir, String yaml) throws IOException {
        return run(dir, yaml, List.of());
    }

    /**
     * As {@link #run(Path, String)}, the JVM started through {@code launcher} (a command that execs the rest, e.g.
     * {@code prlimit --nofile=N:N --}), so {@link #pid()} is still the gateway's.
     */
    public static GatewayJar run(Path dir, String yaml, List<String> launcher) throws IOException {
        Path config = Files.writeString(dir.resolve("fcgate.yaml"), yaml);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path jar = Path.of("target", "fcgate.jar").toAbsolutePath();
        assertThat(jar).as("the shaded jar (mvn verify packages it before the ITs)").isRegularFile();
        Path out = dir.resolve("gateway.out");
        Path err = dir.resolve("gateway.err");
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(java.toString(), "-Xmx256m", "-XX:+UseSerialGC", "-jar", jar.toString(), "run",
                "--config", config.toString(), "--admin", "0"));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().put("LANG", "C.UTF-8"); // docs/gateway.md: the JVM names files in the locale's charset
        Process p = pb
                .redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        try {
            int port = awaitPort("public port", p, out, PORT, err);
            int admin = awaitPort("admin port", p, err, ADMIN_PORT, err);
            return new GatewayJar(p, out, err, port, admin);
        } catch (RuntimeException | AssertionError e) {
            p.destroyForcibly();
            throw e;
        }
    }

    private static int awaitPort(String what, Process p, Path file, Pattern pattern, Path log) {
        int[] found = new int[1];
        await(what).atMost(Duration.ofSeconds(60)).until(() -> {
            assertThat(p.isAlive()).as("gateway exited; its log:\n%s", read(log)).isTrue();
            Matcher m = pattern.matcher(read(file));
            if (m.find()) {
                found[0] = Integer.parseInt(m.group(1));
                return true;
            }
            return false;
        });
        return found[0];
    }

    public int port() {
        return port;
    }

    public int adminPort() {
        return adminPort;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The error log so far (slf4j-simple on stderr: gateway lines, child output, slow requests). */
    public String stderr() {
        return read(stderr);
    }

    /** What went to stdout so far (the {@code run} banner; the access log when it goes to stdout). */
    public String stdout() {
        return read(stdout);
    }

    /** GET on the public listener. */
    public HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** GET on the public listener, answered later. */
    public CompletableFuture<HttpResponse<String>> getAsync(String pathAndQuery) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** GET on the admin listener; asserts 200. */
    public HttpResponse<String> admin(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + adminPort + pathAndQuery)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("admin %s: %s", pathAndQuery, r.body()).isEqualTo(200);
        return r;
    }

    /** {@code kill -NAME pid}. */
    public void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    /** Every metric name in a Prometheus text-format exposition: sample names and the TYPE lines' families. */
    public static java.util.Set<String> metricNames(String exposition) {
        return exposition.lines().filter(l -> !l.isBlank()).map(l -> {
            if (l.startsWith("# TYPE ") || l.startsWith("# HELP ")) {
                return l.split(" ")[2];
            }
            if (l.startsWith("#")) {
                return "";
            }
            int end = 0;
            while (end < l.length() && l.charAt(end) != '{' && l.charAt(end) != ' ') {
                end++;
            }
            return l.substring(0, end);
        }).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * SIGTERM, then: exit 0 within 30 s, and none of the first pool's children (from {@code /status?json&full}; none
     * without a pool) left in {@code /proc}, running or zombie.
     */
    @Override
    public void close() throws IOException, InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        List<Long> children = new ArrayList<>();
        HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
                + "/status?json&full")).build(), HttpResponse.BodyHandlers.ofString());
        if (status.statusCode() != 404 || !status.body().contains("no such pool")) { // 404: no pool configured
            assertThat(status.statusCode()).as("admin /status?json&full: %s", status.body()).isEqualTo(200);
            new ObjectMapper().readTree(status.body()).get("processes").forEach(p -> children.add(p.get("pid")
                    .asLong()));
        }
        signal("TERM");
        boolean exited = process.waitFor(30, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly().waitFor();
        }
        assertThat(exited).as("gateway exits within 30 s of SIGTERM; log:\n%s", stderr()).isTrue();
        assertThat(process.exitValue()).as("exit status; log:\n%s", stderr()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> children.stream()
                .noneMatch(pid -> Files.exists(Path.of("/proc", Long.toString(pid)))));
    }
}
