package org.fcgate.it.parity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.fcgate.it.peer.FcgateProcess;
import org.fcgate.it.peer.NginxProcess;
import org.fcgate.it.peer.PhpFpmProcess;
import org.fcgate.it.support.NoLeakedProcesses;
import org.fcgate.it.support.RawHttp;
import org.fcgate.it.support.RawHttp.Request;
import org.fcgate.it.support.TestBodies;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parity cases: the same request through nginx → php-fpm (the reference) and through fcgate (child JVM, its PHP
 * backend chosen by the subclass) gives the same {@code $_SERVER}, {@code $_GET}, {@code $_POST} and {@code $_FILES},
 * except the {@link NginxDifferences documented differences}. The peers are started once per class on one document
 * root ({@link ParitySite}); requests go out on raw sockets so no client normalises them.
 *
 * <p>php-fpm runs with {@code clear_env = yes} (its default): {@code $_SERVER} is then only what the front sent plus
 * what PHP adds, so the comparison is about the fronts and nothing else.
 */
@ExtendWith(NoLeakedProcesses.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ParityCases {

    /** Upload and body limit on all three; the upload itself is {@link #UPLOAD_MIB} MiB. */
    static final int MAX_BODY_MIB = 64;
    static final int UPLOAD_MIB = 50;

    Path dir;

    Path root;
    PhpFpmProcess fpm;
    NginxProcess nginx;
    FcgateProcess fcgate;

    /** The {@code fcgate serve} options that name its PHP backend ({@code --fastcgi …} or {@code --pool …}). */
    abstract List<String> fcgateBackend();

    /** Differences this backend adds to {@link NginxDifferences#DOCUMENTED}. */
    List<NginxDifferences.Difference> backendDifferences() {
        return List.of();
    }

    @BeforeAll
    void start(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tempDir) throws IOException { // logs stay on failure
        dir = tempDir;
        root = ParitySite.create(dir);
        fpm = PhpFpmProcess.start(Files.createDirectories(dir.resolve("fpm")), List.of(
                "clear_env = yes",
                "php_admin_value[upload_max_filesize] = " + MAX_BODY_MIB + "M",
                "php_admin_value[post_max_size] = " + MAX_BODY_MIB + "M",
                "php_admin_value[upload_tmp_dir] = " + Files.createDirectories(dir.resolve("uploads"))));
        nginx = NginxProcess.startPhp(Files.createDirectories(dir.resolve("nginx")), root, fpm.address().getPath(),
                MAX_BODY_MIB);
        List<String> args = new ArrayList<>(fcgateBackend());
        args.addAll(List.of("--max-body", Long.toString(MAX_BODY_MIB * 1024L * 1024L)));
        fcgate = FcgateProcess.start(Files.createDirectories(dir.resolve("fcgate")), root, args);
    }

    @AfterAll
    void stop() {
        String nginxErrors = nginx != null ? nginx.errorLog() : "";
        try (PhpFpmProcess f = fpm; NginxProcess n = nginx; FcgateProcess g = fcgate) {
            // closed in reverse order: fcgate, nginx, php-fpm
        }
        assertThat(nginxErrors).doesNotContain("[error]", "[crit]", "[alert]", "[emerg]");
    }

    @Test
    void plainGet() {
        Dump f = assertParity(Request.get("/dump.php"));
        assertThat(f.var("SCRIPT_NAME")).isEqualTo("/dump.php");
        assertThat(f.var("SCRIPT_FILENAME")).isEqualTo(root + "/dump.php");
        assertThat(f.var("QUERY_STRING")).isEmpty();
        assertThat(f.server()).doesNotContainKeys("PATH_INFO", "PATH_TRANSLATED", "CONTENT_LENGTH", "CONTENT_TYPE");
    }

    @Test
    void queryStringStaysEncodedAndArraysParse() {
        Dump f = assertParity(Request.get("/dump.php?a=1&b=%20x&c[]=1&c[]=2"));
        assertThat(f.var("QUERY_STRING")).isEqualTo("a=1&b=%20x&c[]=1&c[]=2");
        assertThat(f.var("REQUEST_URI")).isEqualTo("/dump.php?a=1&b=%20x&c[]=1&c[]=2");
        assertThat(f.get()).isEqualTo(Map.of("a", "1", "b", " x", "c", List.of("1", "2")));
    }

    @Test
    void pathInfoWithQuery() {
        Dump f = assertParity(Request.get("/sub/dump.php/extra/path?x=y"));
        assertThat(f.var("SCRIPT_NAME")).isEqualTo("/sub/dump.php");
        assertThat(f.var("SCRIPT_FILENAME")).isEqualTo(root + "/sub/dump.php");
        assertThat(f.var("PATH_INFO")).isEqualTo("/extra/path");
        assertThat(f.var("PATH_TRANSLATED")).isEqualTo(root + "/extra/path");
        assertThat(f.var("QUERY_STRING")).isEqualTo("x=y");
    }

    @Test
    void unicodeDirectoryRequestedPercentEncoded() {
        Dump f = assertParity(Request.get("/%C3%BCn%C3%AF/dump.php?q=%C3%BC"));
        assertThat(f.var("SCRIPT_NAME")).isEqualTo("/ünï/dump.php");
        assertThat(f.var("SCRIPT_FILENAME")).isEqualTo(root + "/ünï/dump.php");
        assertThat(f.var("REQUEST_URI")).isEqualTo("/%C3%BCn%C3%AF/dump.php?q=%C3%BC");
        assertThat(f.get()).isEqualTo(Map.of("q", "ü"));
    }

    @Test
    void percentEncodedSpacesInPathInfo() {
        Dump f = assertParity(Request.get("/sub/dump.php/a%20b/c%20%C3%A9"));
        assertThat(f.var("PATH_INFO")).isEqualTo("/a b/c é");
        assertThat(f.var("REQUEST_URI")).isEqualTo("/sub/dump.php/a%20b/c%20%C3%A9");
    }

    @Test
    void postUrlencodedForm() {
        byte[] body = "name=J%C3%BCrgen&tags[]=a&tags[]=b&empty=&plus=1+2".getBytes(StandardCharsets.US_ASCII);
        Dump f = assertParity(Request.post("/dump.php?via=post", "application/x-www-form-urlencoded", body));
        assertThat(f.var("REQUEST_METHOD")).isEqualTo("POST");
        assertThat(f.var("CONTENT_LENGTH")).isEqualTo(Integer.toString(body.length));
        assertThat(f.var("CONTENT_TYPE")).isEqualTo("application/x-www-form-urlencoded");
        assertThat(f.post()).isEqualTo(Map.of("name", "Jürgen", "tags", List.of("a", "b"), "empty", "",
                "plus", "1 2"));
        assertThat(f.inputSha256()).isEqualTo(TestBodies.sha256Hex(body));
    }

    @Test
    void multipartUploadOf50MiB() throws Exception {
        String boundary = "----parity" + Long.toHexString(System.nanoTime());
        Path body = dir.resolve("upload.multipart");
        String fileSha256 = writeMultipart(body, boundary, UPLOAD_MIB);
        Dump f = assertParity(Request.post("/dump.php", "multipart/form-data; boundary=" + boundary, body));
        assertThat(f.var("CONTENT_LENGTH")).isEqualTo(Long.toString(Files.size(body)));
        assertThat(f.post()).isEqualTo(Map.of("title", "fünfzig"));
        assertThat(f.files()).isEqualTo(Map.of("upload", Map.of("name", "big.bin", "type",
                "application/octet-stream", "size", UPLOAD_MIB * 1024 * 1024, "error", 0, "sha256", fileSha256)));
    }

    /** R19: repeated headers are one variable joined with ", ", repeated Cookie headers joined with "; ". */
    @Test
    void repeatedHeadersAndCookies() {
        Request r = Request.get("/sub/dump.php/foo/bar?q=1%202&x", "X-Foo: a", "X-Foo: b", "X-Foo: c",
                "Cookie: a=1", "Cookie: b=2");
        Dump f = assertParity(r);
        assertThat(f.var("HTTP_X_FOO")).isEqualTo("a, b, c");
        assertThat(f.var("HTTP_COOKIE")).isEqualTo("a=1; b=2");
        assertThat(f.var("QUERY_STRING")).isEqualTo("q=1%202&x");
    }

    /**
     * R17: {@code Proxy} never becomes HTTP_PROXY. In {@code $_SERVER} that holds even behind stock nginx, which does
     * pass the header: PHP (since 7.0.9, {@code check_http_proxy} in main/php_variables.c) drops HTTP_PROXY unless
     * the process environment has one. What each front puts in PARAMS is checked in {@code HttpoxyParamsIT}.
     */
    @Test
    void proxyHeaderNeverBecomesHttpProxy() {
        Dump f = assertParity(Request.get("/dump.php", "Proxy: http://attacker:8080", "proxy: x", "Foo: BAR"));
        assertThat(f.server()).doesNotContainKey("HTTP_PROXY");
        assertThat(f.var("HTTP_FOO")).isEqualTo("BAR");
        assertThat(nginxDump(Request.get("/stock/dump.php", "Proxy: http://attacker:8080")).server())
                .doesNotContainKey("HTTP_PROXY");
    }

    /** Both drop header names with '_' by default (nginx {@code underscores_in_headers off}). */
    @Test
    void headerWithUnderscoreIsDropped() {
        Dump f = assertParity(Request.get("/dump.php", "X_Under: 1", "X-Dash: 2"));
        assertThat(f.server()).doesNotContainKey("HTTP_X_UNDER");
        assertThat(f.var("HTTP_X_DASH")).isEqualTo("2");
    }

    /** Sends {@code r} through both fronts; asserts equal inputs and no undocumented $_SERVER difference. */
    Dump assertParity(Request r) {
        Dump n = nginxDump(r);
        Dump f = fcgateDump(r);
        assertThat(NginxDifferences.violations(n.server(), f.server(), backendDifferences()))
                .as("$_SERVER differences not in the table, for %s %s", r.method(), r.target())
                .isEmpty();
        assertThat(f.get()).as("$_GET").isEqualTo(n.get());
        assertThat(f.post()).as("$_POST").isEqualTo(n.post());
        assertThat(f.files()).as("$_FILES").isEqualTo(n.files());
        assertThat(f.inputSha256()).as("php://input").isEqualTo(n.inputSha256());
        return f;
    }

    Dump nginxDump(Request r) {
        return Dump.of("nginx", RawHttp.exchange(nginx.port(), "localhost:" + nginx.port(), r));
    }

    Dump fcgateDump(Request r) {
        return Dump.of("fcgate", RawHttp.exchange(fcgate.port(), "localhost:" + fcgate.port(), r));
    }

    /** A multipart body with a text field and a file of {@code mib} MiB of seeded bytes; returns the file's sha256. */
    static String writeMultipart(Path out, String boundary, int mib) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        SplittableRandom random = new SplittableRandom(50);
        byte[] chunk = new byte[1024 * 1024];
        try (OutputStream o = Files.newOutputStream(out)) {
            o.write(("--" + boundary + "\r\n"
                    + "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
                    + "fünfzig\r\n"
                    + "--" + boundary + "\r\n"
                    + "Content-Disposition: form-data; name=\"upload\"; filename=\"big.bin\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < mib; i++) {
                random.nextBytes(chunk);
                sha.update(chunk);
                o.write(chunk);
            }
            o.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
