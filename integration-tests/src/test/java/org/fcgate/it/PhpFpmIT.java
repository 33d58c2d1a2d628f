package org.fcgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fcgate.it.support.PhpAssertions.assertScriptAnswered;

import java.io.EOFException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.fcgi.protocol.Role;
import org.fcgate.it.peer.PhpFpmProcess;
import org.fcgate.it.support.NoLeakedProcesses;
import org.fcgate.it.support.PhpInteropScript;
import org.fcgate.it.support.PhpInteropScript.Request;
import org.fcgate.it.support.TestBodies;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Our client role ({@link FcgiConnection}) against a php-fpm static pool on a Unix socket. Peer: php8.2-fpm. */
@ExtendWith(NoLeakedProcesses.class)
class PhpFpmIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private PhpFpmProcess fpm;
    private PhpInteropScript script;

    @BeforeEach
    void startPhpFpm() {
        script = PhpInteropScript.install(dir.resolve("docroot"));
        fpm = PhpFpmProcess.start(dir);
    }

    @AfterEach
    void stopPhpFpm() {
        fpm.close();
    }

    @Test
    void getOfScriptAnswersExpectedBytes() throws Exception {
        Request get = Request.get("greeting=hello%20world&n=1");
        try (FcgiConnection c = FcgiConnection.open(fpm.address(), TIMEOUT)) {
            assertScriptAnswered(c.execute(script.params(get), get.body()), script.expectedStdout(get));
        }
    }

    @Test
    void postOfOneMebibyteAnswersExpectedBytes() throws Exception {
        Request post = Request.post("greeting=post", "application/octet-stream",
                TestBodies.deterministic(TestBodies.ONE_MIB, 3));
        try (FcgiConnection c = FcgiConnection.open(fpm.address(), TIMEOUT)) {
            assertScriptAnswered(c.execute(script.params(post), post.body()), script.expectedStdout(post));
        }
    }

    /**
     * FastCGI 1.0 §4.1: php-fpm 8.2 answers only the names it knows. It knows FCGI_MPXS_CONNS (0: no multiplexing)
     * but not FCGI_MAX_CONNS or FCGI_MAX_REQS (only php-cgi's main registers those), so a gateway must not depend
     * on them. The connection stays open afterwards and serves a request.
     */
    @Test
    void getValuesAnswersOnlyMpxsConnsThenServesARequest() throws Exception {
        try (FcgiConnection c = FcgiConnection.open(fpm.address(), TIMEOUT)) {
            Map<String, String> values = c.getValues(
                    new LinkedHashSet<>(List.of("FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS")));
            assertThat(values).containsExactlyEntriesOf(Map.of("FCGI_MPXS_CONNS", "0"));

            Request get = Request.get("greeting=after-values");
            assertScriptAnswered(c.execute(script.params(get), get.body()), script.expectedStdout(get));
        }
    }

    /** FCGI_KEEP_CONN (§5.1): the child keeps the connection, so every request after the first reuses it. */
    @Test
    void keepConnServesSeveralRequestsOnOneConnection() throws Exception {
        try (FcgiConnection c = FcgiConnection.open(fpm.address(), TIMEOUT)) {
            for (int i = 0; i < 5; i++) {
                Request r = i % 2 == 0
                        ? Request.get("greeting=round" + i)
                        : Request.post("greeting=round" + i, "application/octet-stream",
                                TestBodies.deterministic(10_000 * i, i));
                assertScriptAnswered(c.execute(1, Role.RESPONDER, true, script.params(r), r.body()),
                        script.expectedStdout(r));
            }
        }
    }

    /** Without FCGI_KEEP_CONN the application closes the connection after END_REQUEST (§5.1). */
    @Test
    void withoutKeepConnPhpFpmClosesTheConnection() throws Exception {
        Request get = Request.get("greeting=once");
        try (FcgiConnection c = FcgiConnection.open(fpm.address(), TIMEOUT)) {
            assertScriptAnswered(c.execute(1, Role.RESPONDER, false, script.params(get), get.body()),
                    script.expectedStdout(get));
            assertThatThrownBy(c::readSome).isInstanceOf(EOFException.class);
        }
    }

    /** A 3 MB answer: php splits it into many STDOUT records, which the client decoder must join in order. */
    @Test
    void largeResponseArrivesWhole() throws Exception {
        Request get = Request.get("greeting=big&repeat=500000");
        try (FcgiConnection c = FcgiConnection.open(fpm.address(), TIMEOUT)) {
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
        try (FcgiConnection c = FcgiConnection.open(fpm.address(), TIMEOUT)) {
            assertScriptAnswered(c.execute(script.params(get), get.body()), script.expectedStdout(get));
        }
    }
}
