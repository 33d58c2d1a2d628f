package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fcgate.gateway.support.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A notification that cannot be sent is logged once at WARN and never thrown at the caller. */
class SystemdNotifierTest {

    private static final String WARNING = "WARN org.fcgate.gateway.cli.SystemdNotifier - sd_notify to ";

    @TempDir
    Path dir;

    @Test
    void aSocketThatIsNotThereIsWarnedAboutOnce() {
        SystemdNotifier notifier = SystemdNotifier.of(dir.resolve("absent.sock").toString());
        try (LogCapture log = new LogCapture()) {
            notifier.ready("serving");
            notifier.status("still serving");
            notifier.stopping("draining");
            assertThat(log.text().split(WARNING, -1)).as("one warning").hasSize(2);
            assertThat(log.text()).contains("absent.sock failed: java.io.IOException", "systemd may miss READY=1");
        }
    }

    @Test
    void aNativeLibraryThatDoesNotLoadIsWarnedAboutWithItsCauseAndNotThrown() {
        List<String> tried = new ArrayList<>();
        SystemdNotifier notifier = SystemdNotifier.of("@fcgate-test", (message, to) -> {
            tried.add(new String(message.array(), java.nio.charset.StandardCharsets.UTF_8));
            throw new UnsatisfiedLinkError("could not load FFI provider jnr.ffi.provider.jffi.Provider");
        });
        try (LogCapture log = new LogCapture()) {
            notifier.ready("serving");
            notifier.stopping("draining");
            assertThat(tried).hasSize(2).first().asString().startsWith("READY=1\n");
            assertThat(log.text().split(WARNING, -1)).hasSize(2);
            assertThat(log.text()).contains("java.lang.UnsatisfiedLinkError: could not load FFI provider",
                    "\tat "); // the stack, to see which library failed
        }
    }
}
