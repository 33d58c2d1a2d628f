package org.fcgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code fcgate check} and {@code fcgate run} with bad files, in process: exit codes, stdout and stderr. */
class CheckCommandTest {

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) { }

    private Result fcgate(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = FcgateCommand.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private Path file(String yaml) throws Exception {
        return Files.writeString(dir.resolve("fcgate.yaml"), yaml);
    }

    @Test
    void validFileIsOkAndExitsZero() throws Exception {
        Path f = file("root: .\nroutes:\n  - match: {prefix: /}\n    static: {}\n");
        Result r = fcgate("check", "--config", f.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("configuration OK" + System.lineSeparator());
        assertThat(r.err()).isEmpty();
    }

    @Test
    void everyErrorOnItsOwnLineAndExitOne() throws Exception {
        Path f = file("""
                root: .
                listen: nowhere
                pools:
                  php: {command: [php-cgi], max_children: 10, max_spare_servers: 12}
                routes:
                  - match: {prefix: /}
                    fastcgi: {upstream: phpx}
                """);
        Result r = fcgate("check", "--config", f.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines()).containsExactly(
                f + ": listen (\"nowhere\") must be HOST:PORT, [IPv6]:PORT or :PORT with a port within 0..65535",
                f + ": pools.php.max_spare_servers (12) cannot exceed max_children (10)",
                f + ": routes[0].fastcgi.upstream (\"phpx\") names no pool or fastcgi_server (defined: php)",
                f + ": 3 errors");
    }

    @Test
    void unreadableAndUnparsableFilesAreOneLineNoStackTrace() throws Exception {
        Result missing = fcgate("check", "--config", dir.resolve("nope.yaml").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("nope.yaml cannot be read: java.nio.file.NoSuchFileException")
                .doesNotContain("\tat ");

        Result broken = fcgate("check", "--config", file("routes: [\n  {").toString());
        assertThat(broken.code()).isEqualTo(1);
        assertThat(broken.err().lines().toList()).hasSize(2);
        assertThat(broken.err()).contains("is not valid YAML").doesNotContain("\tat ");
    }

    @Test
    void configIsRequired() {
        Result r = fcgate("check");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Missing required option: '--config=FILE'");
    }

    @Test
    void runRefusesAnInvalidFileWithTheSameLinesAndStartsNothing() throws Exception {
        Path f = file("root: /nonexistent-root\nroutes:\n  - match: {prefix: /}\n    static: {}\n");
        Result r = fcgate("run", "--config", f.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().lines()).containsExactly(
                f + ": root (\"/nonexistent-root\") cannot be opened: document root /nonexistent-root does not exist",
                f + ": 1 error");
    }
}
