package org.fcgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fcgate.it.support.PhpAssertions.assertScriptAnswered;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.it.peer.PhpCgiProcess;
import org.fcgate.it.support.NoLeakedProcesses;
import org.fcgate.it.support.PhpInteropScript;
import org.fcgate.it.support.PhpInteropScript.Request;
import org.fcgate.it.support.TestBodies;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Our client role ({@link FcgiConnection}) against php-cgi bound to a Unix socket. Peer: php8.2-cgi. */
@ExtendWith(NoLeakedProcesses.class)
class PhpCgiIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private PhpCgiProcess php;
    private PhpInteropScript script;

    @BeforeEach
    void startPhpCgi() {
        script = PhpInteropScript.install(dir.resolve("docroot"));
        php = PhpCgiProcess.start(dir);
    }

    @AfterEach
    void stopPhpCgi() {
        php.close();
    }

    @Test
    void getOfScriptAnswersExpectedBytes() throws Exception {
        Request get = Request.get("greeting=hello%20world&n=1");
        try (FcgiConnection c = FcgiConnection.open(php.address(), TIMEOUT)) {
            assertScriptAnswered(c.execute(script.params(get), get.body()), script.expectedStdout(get));
        }
    }

    @Test
    void postOfOneMebibyteAnswersExpectedBytes() throws Exception {
        Request post = Request.post("greeting=post", "application/octet-stream",
                TestBodies.deterministic(TestBodies.ONE_MIB, 2));
        try (FcgiConnection c = FcgiConnection.open(php.address(), TIMEOUT)) {
            assertScriptAnswered(c.execute(script.params(post), post.body()), script.expectedStdout(post));
        }
    }

    /**
     * FastCGI 1.0 §4.1: php-cgi answers all three standard names; with PHP_FCGI_CHILDREN=0 it reports 0 as both
     * limits (its child count). The connection stays open afterwards and serves a request.
     */
    @Test
    void getValuesAnswersStandardNamesThenServesARequest() throws Exception {
        try (FcgiConnection c = FcgiConnection.open(php.address(), TIMEOUT)) {
            Map<String, String> values = c.getValues(
                    new LinkedHashSet<>(List.of("FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS")));
            assertThat(values).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "FCGI_MAX_CONNS", "0",
                    "FCGI_MAX_REQS", "0",
                    "FCGI_MPXS_CONNS", "0"));

            Request get = Request.get("greeting=after-values");
            assertScriptAnswered(c.execute(script.params(get), get.body()), script.expectedStdout(get));
        }
    }

    /** FCGI_KEEP_CONN (§5.1) against php-cgi's own accept loop. */
    @Test
    void keepConnServesSeveralRequestsOnOneConnection() throws Exception {
        try (FcgiConnection c = FcgiConnection.open(php.address(), TIMEOUT)) {
            for (int i = 0; i < 3; i++) {
                Request r = Request.post("greeting=round" + i, "application/octet-stream",
                        TestBodies.deterministic(70_000 * i, i));
                assertScriptAnswered(c.execute(script.params(r), r.body()), script.expectedStdout(r));
            }
        }
    }

    /** A 3 MB answer: php splits it into many STDOUT records, which the client decoder must join in order. */
    @Test
    void largeResponseArrivesWhole() throws Exception {
        Request get = Request.get("greeting=big&repeat=500000");
        try (FcgiConnection c = FcgiConnection.open(php.address(), TIMEOUT)) {
            assertScriptAnswered(c.execute(script.params(get), get.body()), script.expectedStdout(get));
        }
    }

    /**
     * Params of about 90 KB need two PARAMS records. php parses each record on its own, so our encoder must not let
     * a pair straddle records (STYLE "strict out"); every pair must arrive whole.
     */
    @Test
    void paramsSpanningSeveralRecordsArriveWhole() throws Exception {
        Request get = Request.get("greeting=many-params")
                .withExtraHeader("A", "a".repeat(30_000))
                .withExtraHeader("B", "b".repeat(30_000))
                .withExtraHeader("C", "c".repeat(30_000))
                .withExtraHeader("SMALL", "after the big ones");
        try (FcgiConnection c = FcgiConnection.open(php.address(), TIMEOUT)) {
            assertScriptAnswered(c.execute(script.params(get), get.body()), script.expectedStdout(get));
        }
    }
}
