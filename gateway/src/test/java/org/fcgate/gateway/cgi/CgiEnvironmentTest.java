package org.fcgate.gateway.cgi;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.params.ParamsEncoder;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.RecordType;
import org.fcgate.gateway.path.RequestPath;
import org.fcgate.gateway.path.ScriptResolver;
import org.fcgate.gateway.upstream.UpstreamRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CgiEnvironmentTest {

    private static final Path ROOT = Path.of("/srv/www");

    /** A request for /sub/test.php + pathInfo from 192.0.2.7:5555 to 127.0.0.1:8080, with the given header lines. */
    private static UpstreamRequest request(String method, String target, String pathInfo, long bodyLength,
                                           String... headers) throws Exception {
        DefaultHttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), target);
        for (int i = 0; i < headers.length; i += 2) {
            head.headers().add(headers[i], headers[i + 1]);
        }
        int q = target.indexOf('?');
        String rawPath = q < 0 ? target : target.substring(0, q);
        return new UpstreamRequest(head, RequestPath.decode(rawPath), q < 0 ? "" : target.substring(q + 1),
                head.headers().get("Host", ""),
                new ScriptResolver.Script("/sub/test.php", ROOT.resolve("sub/test.php"), pathInfo), ROOT,
                new InetSocketAddress("192.0.2.7", 5555), new InetSocketAddress("127.0.0.1", 8080), bodyLength,
                false);
    }

    private static Map<String, String> env(UpstreamRequest r, long contentLength, CgiOptions o) {
        CgiEnvironment.Result result = CgiEnvironment.build(r, contentLength, o, FcgiLimits.DEFAULT_MAX_PARAMS_BYTES);
        assertThat(result).isInstanceOf(CgiEnvironment.Result.Built.class);
        Params p = ((CgiEnvironment.Result.Built) result).params();
        return p.toMap();
    }

    @Test
    void R19_coreMetaVariables() throws Exception {
        var r = request("GET", "/sub/test.php/foo/bar?q=1%202&x", "/foo/bar", 0,
                "Host", "app.example:8080", "X-Foo", "a", "X-Foo", "a", "X-Foo", "a", "Cookie", "a=1", "Cookie", "b=2");
        Map<String, String> e = env(r, 0, CgiOptions.defaults());
        assertThat(e).containsEntry("GATEWAY_INTERFACE", "CGI/1.1")
                .containsEntry("SERVER_SOFTWARE", CgiOptions.DEFAULT_SERVER_SOFTWARE)
                .containsEntry("SERVER_NAME", "app.example")
                .containsEntry("SERVER_ADDR", "127.0.0.1")
                .containsEntry("SERVER_PORT", "8080")
                .containsEntry("SERVER_PROTOCOL", "HTTP/1.1")
                .containsEntry("REQUEST_METHOD", "GET")
                .containsEntry("REQUEST_URI", "/sub/test.php/foo/bar?q=1%202&x")
                .containsEntry("DOCUMENT_URI", "/sub/test.php/foo/bar")
                .containsEntry("DOCUMENT_ROOT", "/srv/www")
                .containsEntry("SCRIPT_NAME", "/sub/test.php")
                .containsEntry("SCRIPT_FILENAME", "/srv/www/sub/test.php")
                .containsEntry("PATH_INFO", "/foo/bar")
                .containsEntry("PATH_TRANSLATED", "/srv/www/foo/bar")
                .containsEntry("QUERY_STRING", "q=1%202&x")
                .containsEntry("REMOTE_ADDR", "192.0.2.7")
                .containsEntry("REMOTE_PORT", "5555")
                .containsEntry("REDIRECT_STATUS", "200")
                .containsEntry("HTTP_HOST", "app.example:8080")
                .containsEntry("HTTP_X_FOO", "a, a, a")
                .containsEntry("HTTP_COOKIE", "a=1; b=2")
                .doesNotContainKeys("CONTENT_LENGTH", "CONTENT_TYPE", "HTTPS", "REMOTE_USER", "AUTH_TYPE");
    }

    @Test
    void R19_noPathInfoMeansNoPathInfoNorPathTranslated() throws Exception {
        Map<String, String> e = env(request("GET", "/sub/test.php", "", 0, "Host", "a"), 0, CgiOptions.defaults());
        assertThat(e).doesNotContainKeys("PATH_INFO", "PATH_TRANSLATED").containsEntry("QUERY_STRING", "");
    }

    @Test
    void bodyGivesContentLengthAndType() throws Exception {
        var r = request("POST", "/sub/test.php", "", -1, "Host", "a", "Content-Type", "application/x-www-form-urlencoded",
                "Transfer-Encoding", "chunked");
        assertThat(env(r, 11, CgiOptions.defaults())).containsEntry("CONTENT_LENGTH", "11")
                .containsEntry("CONTENT_TYPE", "application/x-www-form-urlencoded")
                .doesNotContainKeys("HTTP_CONTENT_TYPE", "HTTP_TRANSFER_ENCODING", "HTTP_CONTENT_LENGTH");
    }

    static Stream<Arguments> headerTable() {
        return Stream.of(
                // header name, value, CGI name expected (null: absent), why
                Arguments.of("Proxy", "http://attacker:8080", null, "R17 httpoxy"),
                Arguments.of("proxy", "x", null, "R17 httpoxy, lower case"),
                Arguments.of("PROXY", "x", null, "R17 httpoxy, upper case"),
                Arguments.of("Foo", "BAR", "HTTP_FOO", "R17 other headers pass"),
                Arguments.of("PHP_VALUE", "auto_prepend_file=/etc/passwd", null, "underscore names dropped"),
                Arguments.of("PHP-VALUE", "x", "HTTP_PHP_VALUE", "never PHP_VALUE itself"),
                Arguments.of("X_Foo", "spoof", null, "underscore collides with X-Foo"),
                Arguments.of("X.Foo", "x", null, "invalid characters dropped"),
                Arguments.of("Authorization", "Basic dTpw", "HTTP_AUTHORIZATION", "passed, never logged"),
                Arguments.of("Remote-User", "admin", "HTTP_REMOTE_USER", "never REMOTE_USER"),
                Arguments.of("Auth-Type", "Basic", "HTTP_AUTH_TYPE", "never AUTH_TYPE"));
    }

    @ParameterizedTest(name = "{3}: {0}")
    @MethodSource("headerTable")
    void headers(String name, String value, String cgiName, String why) throws Exception {
        Map<String, String> e = env(request("GET", "/sub/test.php", "", 0, "Host", "a", name, value), 0,
                CgiOptions.defaults());
        assertThat(e).doesNotContainKeys("HTTP_PROXY", "PHP_VALUE", "REMOTE_USER", "AUTH_TYPE");
        if (cgiName != null) {
            assertThat(e).containsEntry(cgiName, value);
        } else {
            assertThat(e.keySet()).filteredOn(k -> k.startsWith("HTTP_") && !k.equals("HTTP_HOST")).isEmpty();
        }
    }

    @Test
    void underscoresAllowedWhenConfigured() throws Exception {
        Map<String, String> e = env(request("GET", "/sub/test.php", "", 0, "Host", "a", "X_Foo", "1"), 0,
                CgiOptions.defaults().withUnderscoresInHeaders(true));
        assertThat(e).containsEntry("HTTP_X_FOO", "1");
    }

    @Test
    void extraParamsComeLastAndAreTheOnlyWayToPhpValue() throws Exception {
        var r = request("GET", "/sub/test.php", "", 0, "Host", "a");
        CgiEnvironment.Result.Built b = (CgiEnvironment.Result.Built) CgiEnvironment.build(r, 0,
                CgiOptions.defaults().withExtraParams(Map.of("PHP_VALUE", "display_errors=0")),
                FcgiLimits.DEFAULT_MAX_PARAMS_BYTES);
        List<Params.Pair> pairs = b.params().pairs();
        assertThat(pairs.get(pairs.size() - 1).toString()).isEqualTo("PHP_VALUE=display_errors=0");
    }

    /**
     * The whole environment in order, for headers that each occur once (written straight into the params) and for
     * repeated ones (joined first): the pairs and the PARAMS bytes are those ParamsEncoder writes for that list.
     */
    @Test
    void wholeEnvironmentInOrderAndItsRecordBytes() throws Exception {
        var once = request("GET", "/sub/test.php?x=1", "", 0, "Host", "app.example", "User-Agent", "t/1 \u00e9",
                "X-Forwarded-For", "6.6.6.6", "Forwarded", "for=6.6.6.6", "proxy", "http://evil", "Bad.Name", "1",
                "accept", "*/*");
        assertWholeEnvironment(once, "*/*");
        var repeated = request("GET", "/sub/test.php?x=1", "", 0, "Host", "app.example", "User-Agent", "t/1 \u00e9",
                "X-Forwarded-For", "6.6.6.6", "Forwarded", "for=6.6.6.6", "proxy", "http://evil", "Bad.Name", "1",
                "accept", "*/*", "Accept", "text/html");
        assertWholeEnvironment(repeated, "*/*, text/html");
    }

    private static void assertWholeEnvironment(UpstreamRequest r, String accept) {
        CgiEnvironment.Result.Built b = (CgiEnvironment.Result.Built) CgiEnvironment.build(r, 0,
                CgiOptions.defaults(), FcgiLimits.DEFAULT_MAX_PARAMS_BYTES);
        Params expected = Params.builder()
                .add("GATEWAY_INTERFACE", "CGI/1.1")
                .add("SERVER_SOFTWARE", CgiOptions.DEFAULT_SERVER_SOFTWARE)
                .add("SERVER_NAME", "app.example")
                .add("SERVER_ADDR", "127.0.0.1")
                .add("SERVER_PORT", "8080")
                .add("SERVER_PROTOCOL", "HTTP/1.1")
                .add("REQUEST_METHOD", "GET")
                .add("REQUEST_URI", "/sub/test.php?x=1")
                .add("DOCUMENT_URI", "/sub/test.php")
                .add("DOCUMENT_ROOT", "/srv/www")
                .add("SCRIPT_NAME", "/sub/test.php")
                .add("SCRIPT_FILENAME", "/srv/www/sub/test.php")
                .add("QUERY_STRING", "x=1")
                .add("REMOTE_ADDR", "192.0.2.7")
                .add("REMOTE_PORT", "5555")
                .add("REDIRECT_STATUS", "200")
                .add("HTTP_HOST", "app.example")
                .add("HTTP_USER_AGENT".getBytes(StandardCharsets.US_ASCII),
                        "t/1 \u00e9".getBytes(StandardCharsets.ISO_8859_1))
                .add("HTTP_X_FORWARDED_FOR", "192.0.2.7")
                .add("HTTP_FORWARDED", "for=192.0.2.7")
                .add("HTTP_ACCEPT", accept)
                .build();
        assertThat(b.params().pairs()).containsExactlyElementsOf(expected.pairs());
        ByteBuffer wire = ByteBuffer.allocate(b.encoded().recordsSize());
        b.encoded().writeRecords(wire, RecordType.PARAMS, 1);
        assertThat(wire.array()).isEqualTo(ParamsEncoder.encode(1, expected).array());
        assertThat(b.encodedBytes()).isEqualTo(ParamsEncoder.contentSize(expected.pairs()));
    }

    @Test
    void serverNameConfiguredWinsOverHost() throws Exception {
        Map<String, String> e = env(request("GET", "/sub/test.php", "", 0, "Host", "evil.example"), 0,
                CgiOptions.defaults().withServerName("app.example"));
        assertThat(e).containsEntry("SERVER_NAME", "app.example").containsEntry("HTTP_HOST", "evil.example");
    }

    @Test
    void forwardingHeadersFromAnUntrustedPeerAreReplaced() throws Exception {
        Map<String, String> e = env(request("GET", "/sub/test.php", "", 0, "Host", "a",
                "X-Forwarded-For", "6.6.6.6", "X-Forwarded-For", "7.7.7.7", "X-Real-IP", "6.6.6.6",
                "Forwarded", "for=6.6.6.6"), 0, CgiOptions.defaults());
        assertThat(e).containsEntry("REMOTE_ADDR", "192.0.2.7")
                .containsEntry("HTTP_X_FORWARDED_FOR", "192.0.2.7")
                .containsEntry("HTTP_X_REAL_IP", "192.0.2.7")
                .containsEntry("HTTP_FORWARDED", "for=192.0.2.7");
    }

    static Stream<Arguments> realIpTable() {
        return Stream.of(
                Arguments.of(List.of("192.0.2.0/24"), "203.0.113.9", "203.0.113.9"),
                Arguments.of(List.of("192.0.2.0/24"), "6.6.6.6, 203.0.113.9", "203.0.113.9"),
                Arguments.of(List.of("192.0.2.0/24", "10.0.0.0/8"), "6.6.6.6, 203.0.113.9, 10.1.2.3", "203.0.113.9"),
                Arguments.of(List.of("192.0.2.0/24", "10.0.0.0/8"), "10.0.0.1, 10.0.0.2", "10.0.0.1"),
                Arguments.of(List.of("192.0.2.0/24"), "evil.example.com", "192.0.2.7"),
                Arguments.of(List.of("10.0.0.0/8"), "203.0.113.9", "192.0.2.7"),
                Arguments.of(List.of("192.0.2.7"), "2001:db8::1", "2001:db8:0:0:0:0:0:1"));
    }

    @ParameterizedTest(name = "trusted {0}, XFF {1} -> {2}")
    @MethodSource("realIpTable")
    void realIpFromTrustedProxies(List<String> trusted, String xff, String remoteAddr) throws Exception {
        Map<String, String> e = env(request("GET", "/sub/test.php", "", 0, "Host", "a", "X-Forwarded-For", xff), 0,
                CgiOptions.defaults().withTrustedProxies(TrustedProxies.parse(trusted)));
        assertThat(e).containsEntry("REMOTE_ADDR", remoteAddr);
    }

    @Test
    void R22_paramsOverTheLimitAreRefused() throws Exception {
        var atLimit = request("GET", "/sub/test.php", "", 0, "Host", "a", "X-Big", "v".repeat(40_000));
        assertThat(CgiEnvironment.build(atLimit, 0, CgiOptions.defaults(), FcgiLimits.DEFAULT_MAX_PARAMS_BYTES))
                .isInstanceOf(CgiEnvironment.Result.Built.class);
        var over = request("GET", "/sub/test.php", "", 0, "Host", "a", "X-Big", "v".repeat(40_000),
                "X-Big2", "v".repeat(40_000));
        assertThat(CgiEnvironment.build(over, 0, CgiOptions.defaults(), FcgiLimits.DEFAULT_MAX_PARAMS_BYTES))
                .isInstanceOf(CgiEnvironment.Result.TooLarge.class);
        var onePairTooBig = request("GET", "/sub/test.php", "", 0, "Host", "a", "X-Big", "v".repeat(70_000));
        assertThat(CgiEnvironment.build(onePairTooBig, 0, CgiOptions.defaults(), 1 << 20))
                .isInstanceOf(CgiEnvironment.Result.TooLarge.class);
    }

    @Test
    void helpers() {
        assertThat(CgiEnvironment.serverName("[::1]:8080", null)).isEqualTo("[::1]");
        assertThat(CgiEnvironment.serverName("a.example", null)).isEqualTo("a.example");
        assertThat(CgiEnvironment.requestUri("http://x.example/p.php?q")).isEqualTo("/p.php?q");
        assertThat(CgiEnvironment.requestUri("http://x.example?q")).isEqualTo("/?q");
        assertThat(CgiEnvironment.cgiName("x-foo-Bar", false)).isEqualTo("HTTP_X_FOO_BAR");
    }
}
