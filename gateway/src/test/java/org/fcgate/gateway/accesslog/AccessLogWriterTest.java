package org.fcgate.gateway.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogWriterTest {

    @TempDir
    Path dir;

    @Test
    void reopenAfterRenameStartsANewFileWithTheOldModeAndLosesNothing() throws Exception {
        Path log = dir.resolve("access.log");
        Files.createFile(log, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")));
        try (AccessLogWriter w = AccessLogWriter.open(Optional.of(log))) {
            for (int i = 0; i < 100; i++) {
                assertThat(w.offer("line " + i)).isTrue();
            }
            await().until(() -> w.written() == 100);
            Files.move(log, dir.resolve("access.log.1"));
            for (int i = 100; i < 150; i++) {
                w.offer("line " + i); // still to the renamed file: the writer holds it open
            }
            w.reopen();
            for (int i = 150; i < 200; i++) {
                w.offer("line " + i);
            }
            await().until(() -> w.written() == 200);
            assertThat(w.dropped()).isZero();
        }
        var old = Files.readAllLines(dir.resolve("access.log.1"));
        var fresh = Files.readAllLines(log);
        assertThat(old.size() + fresh.size()).isEqualTo(200);
        assertThat(old).startsWith("line 0").hasSize(150);
        assertThat(fresh).endsWith("line 199");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log))).isEqualTo("rw-r-----");
    }

    @Test
    void closeWritesWhatIsQueued() throws Exception {
        Path log = dir.resolve("a.log");
        AccessLogWriter w = AccessLogWriter.open(Optional.of(log));
        for (int i = 0; i < 1000; i++) {
            w.offer("line " + i);
        }
        w.close();
        assertThat(Files.readAllLines(log)).hasSize(1000);
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfBlocking() throws Exception {
        Path log = dir.resolve("b.log");
        try (AccessLogWriter w = AccessLogWriter.open(Optional.of(log), 1)) {
            int accepted = 0;
            for (int i = 0; i < 10_000; i++) {
                accepted += w.offer("x".repeat(100)) ? 1 : 0;
            }
            int taken = accepted;
            await().until(() -> w.written() == taken);
            assertThat(w.dropped()).isEqualTo(10_000 - accepted).isPositive();
        }
    }
}
