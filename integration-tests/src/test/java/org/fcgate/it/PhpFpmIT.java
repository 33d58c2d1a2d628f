package org.fcgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fcgate.it.support.PhpAssertions.assertScriptAnswered;

import java.io.EOFException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.fcgi.protocol.Role;
import org.fcgate.it.peer.PhpFpmProcess;
import org.fcgate.it.support.PhpInteropScript.Request;
import org.fcgate.it.support.TestBodies;
import org.junit.jupiter.api.Test;

/** Our client role ({@link FcgiConnection}) against a php-fpm static pool on a Unix socket. Peer: php8.2-fpm. */
class PhpFpmIT extends PhpPeerContract {

    private PhpFpmProcess fpm;

    @Override
    PhpFpmProcess start(Path dir) {
        fpm = PhpFpmProcess.start(dir);
        return fpm;
    }

    /**
     * FastCGI 1.0 §4.1: php-fpm 8.2 answers only the names it knows. It knows FCGI_MPXS_CONNS (0: no multiplexing)
     * but not FCGI_MAX_CONNS or FCGI_MAX_REQS (only php-cgi's main registers those), so a gateway must not depend
     * on them. The connection stays open afterwards and serves a request.
     */
    @Test
    void getValuesAnswersOnlyMpxsConnsThenServesARequest() throws Exception {
        try (FcgiConnection c = connect()) {
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
        try (FcgiConnection c = connect()) {
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
        try (FcgiConnection c = connect()) {
            assertScriptAnswered(c.execute(1, Role.RESPONDER, false, script.params(get), get.body()),
                    script.expectedStdout(get));
            assertThatThrownBy(c::readSome).isInstanceOf(EOFException.class);
        }
    }
}
