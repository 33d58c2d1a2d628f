package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.support.ForwardingGateway;
import org.fcgate.gateway.support.PhpFpm;
import org.fcgate.gateway.support.RawClient;
import org.fcgate.gateway.support.Resources;
import org.fcgate.gateway.support.TestPools;
import org.fcgate.pool.Pool;
import org.fcgate.pool.PoolManager;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.status.ChildState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The forwarder against the real PHP SAPIs: php-cgi 8.2 as a managed pool (fd 0), and php-fpm 8.2 as an external
 * server on a Unix socket (started here with {@code php-fpm8.2 -F -R -y CONF}, stopped by PID). Each case runs on both.
 */
class PhpForwardIT {

    private static final String ENV_PHP = """
            <?php
            header('Content-Type: text/plain');
            foreach (['SCRIPT_NAME', 'SCRIPT_FILENAME', 'PATH_INFO', 'QUERY_STRING', 'REQUEST_METHOD', 'CONTENT_LENGTH',
                      'HTTP_FOO', 'HTTP_PROXY', 'REQUEST_URI'] as $k) {
                echo $k, '=', $_SERVER[$k] ?? '(unset)', "\\n";
            }
            echo 'getenv-proxy=', var_export(getenv('HTTP_PROXY'), true), "\\n";
            echo 'post=', json_encode($_POST), "\\n";
            """;

    private static PoolManager manager;
    private static Pool phpCgi;
    private static PhpFpm fpm;
    private static ForwardingGateway cgiGateway;
    private static ForwardingGateway fpmGateway;

    @BeforeAll
    static void start() throws Exception {
        fpm = PhpFpm.start("fcgw-fpm", 2, PhpFpm.PhpIni.DEFAULT);
        // php-fpm is started (ProcessBuilder) before the pool manager spawns anything: a child spawned by the pool
        // manager while ProcessBuilder.start() runs can inherit the JDK's exec-status pipe, and start() then blocks
        // until that child exits (seen once here; a pool-manager spawn issue, reported).
        manager = TestPools.manager();
        phpCgi = manager.addPool(PoolConfig.builder("phpcgi", List.of("/usr/bin/php-cgi8.2")).pm(PmMode.STATIC)
                .maxChildren(2).env("PHP_FCGI_CHILDREN", "0").env("PHP_FCGI_MAX_REQUESTS", "0").build());
        FastCgiUpstreamOptions options = FastCgiUpstreamOptions.defaults();
        cgiGateway = ForwardingGateway.start(site(Files.createTempDirectory("fcgate-phpcgi")),
                Map.of(".php", FastCgiUpstream.managed(phpCgi, options)), HttpLimits.defaults());
        fpmGateway = ForwardingGateway.start(site(Files.createTempDirectory("fcgate-fpm")),
                Map.of(".php", FastCgiUpstream.external(ExternalServerOptions.of("fpm",
                        List.of(new BackendAddress.Unix(fpm.socket()))).withMaxConnections(2), options)),
                HttpLimits.defaults());
        await().atMost(Duration.ofSeconds(20)).until(() -> phpCgi.snapshot().count(ChildState.IDLE) == 2);
    }

    private static Path site(Path root) throws Exception {
        ForwardingGateway.write(root.resolve("env.php"), ENV_PHP);
        ForwardingGateway.write(root.resolve("index.php"), "<?php echo \"index ok\\n\";\n");
        ForwardingGateway.write(root.resolve("hash.php"),
                "<?php echo hash('sha256', file_get_contents('php://input')), \"\\n\";\n");
        ForwardingGateway.write(root.resolve("big.php"),
                "<?php header('Content-Type: application/octet-stream'); echo str_repeat('0123456789abcdef', 65536);\n");
        return root;
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeInOrder(cgiGateway, fpmGateway, manager, fpm);
    }

    @AfterEach
    void invariants() throws Exception {
        cgiGateway.canary();
        fpmGateway.canary();
        await().atMost(Duration.ofSeconds(10)).until(() -> phpCgi.snapshot().count(ChildState.IDLE) == 2);
        assertThat(fpm.isAlive()).isTrue();
    }

    static Stream<String> backends() {
        return Stream.of("php-cgi", "php-fpm");
    }

    private static ForwardingGateway gateway(String backend) {
        return backend.equals("php-cgi") ? cgiGateway : fpmGateway;
    }

    private static RawClient.Response get(String backend, String target, String headers) throws Exception {
        try (RawClient c = gateway(backend).connect()) {
            return c.send("GET " + target + " HTTP/1.1\r\nHost: a\r\n" + headers + "\r\n").read();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void R19_getWithPathInfoAndQuery(String backend) throws Exception {
        RawClient.Response r = get(backend, "/env.php/foo/bar?q=1%202&x", "");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).contains("SCRIPT_NAME=/env.php\n", "PATH_INFO=/foo/bar\n", "QUERY_STRING=q=1%202&x\n",
                "REQUEST_URI=/env.php/foo/bar?q=1%202&x\n",
                "SCRIPT_FILENAME=" + gateway(backend).root().toRealPath() + "/env.php\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void postForm(String backend) throws Exception {
        String form = "a=1&b=two";
        try (RawClient c = gateway(backend).connect()) {
            RawClient.Response r = c.send("POST /env.php HTTP/1.1\r\nHost: a\r\nContent-Type: "
                    + "application/x-www-form-urlencoded\r\nContent-Length: " + form.length() + "\r\n\r\n" + form).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).contains("REQUEST_METHOD=POST\n", "CONTENT_LENGTH=9\n", "post={\"a\":\"1\",\"b\":\"two\"}");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void oneMebibyteBodyHash(String backend) throws Exception {
        byte[] body = new byte[1024 * 1024];
        new Random(3).nextBytes(body);
        try (RawClient c = gateway(backend).connect()) {
            c.send("POST /hash.php HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length + "\r\n\r\n").send(body);
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo(ManagedPoolForwardIT.sha256(body) + "\n");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void R17_httpoxy(String backend) throws Exception {
        RawClient.Response r = get(backend, "/env.php", "Proxy: http://attacker:8080\r\nproxy: x\r\nFoo: BAR\r\n");
        assertThat(r.bodyText()).contains("HTTP_FOO=BAR\n", "HTTP_PROXY=(unset)\n", "getenv-proxy=false\n")
                .doesNotContain("attacker");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void R16_headThenGetOnTheSameConnection(String backend) throws Exception {
        try (RawClient c = gateway(backend).connect()) {
            RawClient.Response head = c.send("HEAD /big.php HTTP/1.1\r\nHost: a\r\n\r\n").read(true);
            assertThat(head.status()).isEqualTo(200);
            RawClient.Response next = c.send("GET /index.php HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.bodyText()).isEqualTo("index ok\n");
        }
    }

    @Test
    void R33_queryStringNeverBecomesPhpCgiArguments() throws Exception {
        List<String> before = cmdlines();
        RawClient.Response s = get("php-cgi", "/index.php?-s", "");
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.bodyText()).isEqualTo("index ok\n");
        String payload = "<?php echo \"PWN\";?>";
        try (RawClient c = cgiGateway.connect()) {
            RawClient.Response r = c.send("POST /index.php?-d+allow_url_include%3d1+-d+auto_prepend_file%3dphp://input"
                    + " HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: " + payload.length()
                    + "\r\n\r\n" + payload).read();
            assertThat(r.bodyText()).isEqualTo("index ok\n").doesNotContain("PWN");
        }
        RawClient.Response soft = get("php-cgi", "/index.php?%ADd+allow_url_include%3d1", "");
        assertThat(soft.bodyText()).isEqualTo("index ok\n");
        assertThat(cmdlines()).isEqualTo(before);
    }

    private static List<String> cmdlines() throws Exception {
        List<String> all = new java.util.ArrayList<>();
        for (var c : phpCgi.snapshot().children()) {
            byte[] b = Files.readAllBytes(Path.of("/proc", Long.toString(c.pid()), "cmdline"));
            all.add(c.pid() + ":" + new String(b, StandardCharsets.ISO_8859_1));
        }
        java.util.Collections.sort(all);
        return all;
    }
}
