package org.fcgate.it;

import static org.fcgate.it.support.PhpAssertions.assertScriptAnswered;

import java.nio.file.Path;
import java.time.Duration;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.it.peer.FastCgiPeer;
import org.fcgate.it.support.NoLeakedProcesses;
import org.fcgate.it.support.PhpInteropScript;
import org.fcgate.it.support.PhpInteropScript.Request;
import org.fcgate.it.support.TestBodies;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What our client role ({@link FcgiConnection}) must get right against any PHP FastCGI peer: the interop script's
 * output compared byte for byte. Each peer's class starts its process and adds what is peculiar to it.
 */
@ExtendWith(NoLeakedProcesses.class)
abstract class PhpPeerContract {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    PhpInteropScript script;
    private FastCgiPeer peer;

    /** Starts the peer with its files in {@code dir}. */
    abstract FastCgiPeer start(Path dir);

    @BeforeEach
    void startPeer() {
        script = PhpInteropScript.install(dir.resolve("docroot"));
        peer = start(dir);
    }

    @AfterEach
    void stopPeer() {
        peer.close();
    }

    FcgiConnection connect() throws Exception {
        return FcgiConnection.open(peer.address(), TIMEOUT);
    }

    /** Sends {@code request} on a new connection; the answer must be exactly what the script prints for it. */
    void assertScriptAnswers(Request request) throws Exception {
        try (FcgiConnection c = connect()) {
            assertScriptAnswered(c.execute(script.params(request), request.body()), script.expectedStdout(request));
        }
    }

    @Test
    void getOfScriptAnswersExpectedBytes() throws Exception {
        Request get = Request.get("greeting=hello%20world&n=1");
        assertScriptAnswers(get);
    }

    @Test
    void postOfOneMebibyteAnswersExpectedBytes() throws Exception {
        Request post = Request.post("greeting=post", "application/octet-stream",
                TestBodies.deterministic(TestBodies.ONE_MIB, 2));
        assertScriptAnswers(post);
    }

    /** A 3 MB answer: php splits it into many STDOUT records, which the client decoder must join in order. */
    @Test
    void largeResponseArrivesWhole() throws Exception {
        Request get = Request.get("greeting=big&repeat=500000");
        assertScriptAnswers(get);
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
        assertScriptAnswers(get);
    }
}
