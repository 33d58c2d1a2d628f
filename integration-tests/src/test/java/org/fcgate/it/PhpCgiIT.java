package org.fcgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fcgate.it.support.PhpAssertions.assertScriptAnswered;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.it.peer.PhpCgiProcess;
import org.fcgate.it.support.PhpInteropScript.Request;
import org.fcgate.it.support.TestBodies;
import org.junit.jupiter.api.Test;

/** Our client role ({@link FcgiConnection}) against php-cgi bound to a Unix socket. Peer: php8.2-cgi. */
class PhpCgiIT extends PhpPeerContract {

    private PhpCgiProcess php;

    @Override
    PhpCgiProcess start(Path dir) {
        php = PhpCgiProcess.start(dir);
        return php;
    }

    /**
     * FastCGI 1.0 §4.1: php-cgi answers all three standard names; with PHP_FCGI_CHILDREN=0 it reports 0 as both
     * limits (its child count). The connection stays open afterwards and serves a request.
     */
    @Test
    void getValuesAnswersStandardNamesThenServesARequest() throws Exception {
        try (FcgiConnection c = connect()) {
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
        try (FcgiConnection c = connect()) {
            for (int i = 0; i < 3; i++) {
                Request r = Request.post("greeting=round" + i, "application/octet-stream",
                        TestBodies.deterministic(70_000 * i, i));
                assertScriptAnswered(c.execute(script.params(r), r.body()), script.expectedStdout(r));
            }
        }
    }
}
