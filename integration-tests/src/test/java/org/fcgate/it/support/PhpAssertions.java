package org.fcgate.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.ProtocolStatus;

/** Checks on a PHP peer's answer to {@link PhpInteropScript}. */
public final class PhpAssertions {

    private PhpAssertions() {
    }

    /** The request completed cleanly and STDOUT is {@code expectedStdout}, byte for byte. */
    public static void assertScriptAnswered(FcgiConnection.Result result, byte[] expectedStdout)
            throws FcgiProtocolException {
        assertThat(new String(result.stderr(), StandardCharsets.UTF_8)).as("STDERR").isEmpty();
        assertThat(result.protocolStatus()).isEqualTo(ProtocolStatus.REQUEST_COMPLETE);
        assertThat(result.appStatus()).as("appStatus").isZero();
        assertThat(result.head().status()).isEqualTo(200);
        assertThat(result.head().header("X-Interop")).isEqualTo("php");
        // As text first, for a readable diff; then the bytes, which are what the test is about.
        assertThat(new String(result.stdout(), StandardCharsets.UTF_8))
                .isEqualTo(new String(expectedStdout, StandardCharsets.UTF_8));
        assertThat(result.stdout()).isEqualTo(expectedStdout);
    }
}
