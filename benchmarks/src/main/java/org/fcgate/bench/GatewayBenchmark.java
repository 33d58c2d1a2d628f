package org.fcgate.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.fcgate.bench.harness.HttpResponseReader;
import org.fcgate.fcgi.client.ClientRequestEncoder;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.Role;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.fastcgi.BackendAddress;
import org.fcgate.gateway.fastcgi.ExternalServerOptions;
import org.fcgate.gateway.fastcgi.FastCgiUpstream;
import org.fcgate.gateway.fastcgi.FastCgiUpstreamOptions;
import org.fcgate.gateway.http.HttpServer;
import org.fcgate.gateway.upstream.Upstreams;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The whole gateway hot path in one JVM: a keep-alive HTTP/1.1 client → fcgate's Netty front (the real
 * {@link HttpServer}: parsing, routing, script resolution on disk, CGI environment, FastCGI forwarder with response
 * buffering) → a Unix socket → {@link FakeFastCgiServer}, which answers at once and allocates nothing per request.
 * One operation is one request and its whole response. With {@code -prof gc}, {@code gc.alloc.rate.norm} is the heap
 * allocated per proxied request by every thread of the JVM — the client and the fake allocate nothing per request
 * (except the fake's accept of a new connection with {@code keepConn=off}), so it is the gateway's.
 *
 * <ul>
 *   <li>{@code proxied}: {@code GET /index.php} with browser headers ({@code body=none}) or a 4 KiB urlencoded form
 *       POST ({@code body=4k}); {@code keepConn=on} reuses one FastCGI connection (FCGI_KEEP_CONN), {@code off}
 *       opens one per request, as nginx's default and fcgate's {@code keep_conn: off} do.</li>
 *   <li>{@code backendAlone}: the fake FastCGI server driven directly with the same request pre-encoded, over one kept
 *       connection: the floor (two loopback hops fewer) that {@code proxied} is compared with.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GatewayBenchmark {

    @Param({"on", "off"})
    public String keepConn;

    @Param({"none", "4k"})
    public String body;

    private Path dir;
    private FakeFastCgiServer fake;
    private FastCgiUpstream upstream;
    private HttpServer server;
    private SocketChannel client;
    private ByteBuffer httpRequest;
    private final HttpResponseReader reader = new HttpResponseReader();
    private final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
    private SocketChannel direct;
    private ByteBuffer fcgiRequest;
    private int fcgiResponseBytes;

    @Setup(Level.Trial)
    public void start() throws Exception {
        dir = Files.createTempDirectory("fcgate-jmh-");
        Path root = Files.createDirectory(dir.resolve("www"));
        Files.writeString(root.resolve("index.php"), "<?php echo 'not run: the fake server answers';\n");
        fake = new FakeFastCgiServer(dir.resolve("fake.sock"), 2);
        boolean keep = keepConn.equals("on");
        String yaml = """
                listen: 127.0.0.1:0
                root: %s
                access_log: {path: "off"}
                fastcgi_servers:
                  fake: {addresses: ["unix:%s"], keep_conn: %s, max_conns_per_server: 2}
                routes:
                  - match: {extension: [.php]}
                    fastcgi: {upstream: fake}
                """.formatted(root, fake.socket(), keep ? "on" : "off");
        GatewayConfig config = ConfigLoader.create().parse(yaml, dir).gateway();
        upstream = FastCgiUpstream.external(ExternalServerOptions.of("fake",
                        List.of(new BackendAddress.Unix(fake.socket()))).withKeepAlive(keep).withMaxConnections(2),
                FastCgiUpstreamOptions.defaults());
        server = HttpServer.start(config, Upstreams.of(Map.of("fake", upstream)));
        client = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.port()));

        byte[] form = TypicalExchange.formBody(4096);
        boolean post = body.equals("4k");
        String head = (post ? "POST" : "GET") + " /index.php?page=2&sort=date HTTP/1.1\r\n"
                + "Host: www.example.org\r\n"
                + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
                + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
                + "Accept-Language: en-GB,en;q=0.5\r\n"
                + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
                + "Cookie: PHPSESSID=9k3v7c2m1q8n4t6b0x5z; theme=dark; consent=1\r\n"
                + "Referer: http://www.example.org/index.php?page=1&sort=date\r\n"
                + "Connection: keep-alive\r\n"
                + (post ? "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + form.length + "\r\n"
                        : "")
                + "\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        httpRequest = ByteBuffer.allocateDirect(headBytes.length + (post ? form.length : 0));
        httpRequest.put(headBytes);
        if (post) {
            httpRequest.put(form);
        }
        httpRequest.flip();

        Params params = TypicalExchange.params();
        fcgiRequest = ClientRequestEncoder.encode(1, Role.RESPONDER, true, params,
                ByteBuffer.wrap(post ? form : new byte[0]));
        direct = SocketChannel.open(java.net.UnixDomainSocketAddress.of(fake.socket()));
        fcgiResponseBytes = responseBytesOfFake();
        proxied(); // fail here, not in the measurement, if the path does not answer 200
    }

    @Benchmark
    public int proxied() throws IOException {
        httpRequest.clear();
        while (httpRequest.hasRemaining()) {
            client.write(httpRequest);
        }
        reader.reset();
        while (true) {
            in.clear();
            if (client.read(in) < 0) {
                throw new IOException("fcgate closed the connection");
            }
            in.flip();
            HttpResponseReader.Result r = reader.feed(in);
            if (r == HttpResponseReader.Result.DONE) {
                if (reader.status() != 200) {
                    throw new IllegalStateException("status " + reader.status());
                }
                return reader.status();
            }
            if (r == HttpResponseReader.Result.UNSUPPORTED) {
                throw new IllegalStateException("response without Content-Length");
            }
        }
    }

    @Benchmark
    public int backendAlone() throws IOException {
        fcgiRequest.clear();
        while (fcgiRequest.hasRemaining()) {
            direct.write(fcgiRequest);
        }
        int left = fcgiResponseBytes;
        while (left > 0) {
            in.clear();
            int n = direct.read(in);
            if (n < 0) {
                throw new IOException("the fake server closed the connection");
            }
            left -= n;
        }
        return left;
    }

    /** One exchange on the direct connection, counting the bytes of the fake's (fixed) response. */
    private int responseBytesOfFake() throws IOException {
        fcgiRequest.clear();
        while (fcgiRequest.hasRemaining()) {
            direct.write(fcgiRequest);
        }
        int total = 0;
        // The response is three records: STDOUT with the CGI response, empty STDOUT, END_REQUEST (8 + 8 bytes).
        ByteBuffer all = ByteBuffer.allocate(4096);
        while (true) {
            int n = direct.read(all);
            if (n < 0) {
                throw new IOException("the fake server closed the connection");
            }
            total += n;
            if (endsWithEndRequest(all)) {
                return total;
            }
        }
    }

    private static boolean endsWithEndRequest(ByteBuffer all) {
        int p = all.position();
        return p >= 16 && all.get(p - 16 + 1) == 3; // FCGI_END_REQUEST header (type 3) + its 8-byte body
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        direct.close();
        client.close();
        server.close();
        upstream.close();
        fake.close();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
