package org.fcgate.bench;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.fcgate.fcgi.client.ClientRequestEncoder;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.Role;
import org.fcgate.gateway.cgi.CgiEnvironment;
import org.fcgate.gateway.cgi.CgiOptions;
import org.fcgate.gateway.error.RejectedException;
import org.fcgate.gateway.path.RequestPath;
import org.fcgate.gateway.path.ScriptResolver;
import org.fcgate.gateway.upstream.UpstreamRequest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The CGI/1.1 environment of one request ({@link CgiEnvironment#build}), as the gateway builds it for every FastCGI
 * request: the form POST of {@link TypicalExchange} (10 browser headers, a 4 KiB urlencoded body announced), from a
 * client on port 51544 to a server on port 80. {@code build} is the environment alone; {@code buildAndEncode} adds
 * writing BEGIN_REQUEST and the PARAMS records into a reused buffer, which is what the gateway sends.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CgiEnvironmentBenchmark {

    private UpstreamRequest request;
    private CgiOptions options;
    private ByteBuffer out;
    private int maxParamsBytes;

    @Setup
    public void setup() throws RejectedException {
        HttpHeaders h = new DefaultHttpHeaders();
        h.add("Host", "www.example.org");
        h.add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
        h.add("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        h.add("Accept-Language", "en-GB,en;q=0.5");
        h.add("Accept-Encoding", "gzip, deflate, br, zstd");
        h.add("Cookie", "PHPSESSID=9k3v7c2m1q8n4t6b0x5z; theme=dark; consent=1");
        h.add("Referer", "http://www.example.org/index.php?page=1&sort=date");
        h.add("Connection", "keep-alive");
        h.add("Content-Type", "application/x-www-form-urlencoded");
        h.add("Content-Length", "4096");
        DefaultHttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                "/index.php?page=2&sort=date", h);
        Path root = Path.of("/var/www/html");
        request = new UpstreamRequest(head, RequestPath.decode("/index.php"), "page=2&sort=date", "www.example.org",
                new ScriptResolver.Script("/index.php", root.resolve("index.php"), ""), root,
                new InetSocketAddress("203.0.113.57", 51544), new InetSocketAddress("192.0.2.10", 80), 4096, false);
        options = CgiOptions.defaults();
        maxParamsBytes = FcgiLimits.DEFAULTS.maxParamsBytes();
        out = ByteBuffer.allocate(16 * 1024);
    }

    @Benchmark
    public CgiEnvironment.Result build() {
        return CgiEnvironment.build(request, 4096, options, maxParamsBytes);
    }

    @Benchmark
    public int buildAndEncode() {
        CgiEnvironment.Result r = CgiEnvironment.build(request, 4096, options, maxParamsBytes);
        if (!(r instanceof CgiEnvironment.Result.Built built)) {
            throw new IllegalStateException("params too large: " + r);
        }
        out.clear();
        ClientRequestEncoder.writeHead(out, 1, Role.RESPONDER, true, built.encoded());
        return out.position();
    }
}
