package org.fcgate.pool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No orphans: children die with the manager even when its JVM is SIGKILLed. */
class OrphanIT {
    @TempDir
    Path tmp;

    @Test
    void childrenDieWhenTheManagerJvmIsKilledWithSigkill() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process manager = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                OrphanMain.class.getName(), tmp.resolve("rt").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<Long> pids = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(manager.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.equals("ready")) {
                if (line.startsWith("pid ")) {
                    pids.add(Long.parseLong(line.substring(4)));
                }
            }
            assertThat(pids).hasSize(3).allMatch(OrphanIT::running);
            manager.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
            manager.waitFor();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(pids).noneMatch(OrphanIT::running));
    }

    /** Alive and not a zombie (a zombie left for init to reap is not running). */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).charAt(0) != 'Z';
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
