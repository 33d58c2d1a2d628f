package org.fcgate.pool.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.config.SocketConvention;
import org.junit.jupiter.api.Test;

class CommandLineTest {
    private final CommandLine cl = new CommandLine(Path.of("/usr/bin/setpriv"), Path.of("/usr/bin/prlimit"),
            Path.of("/usr/bin/env"));

    @Test
    void plainCommandIsWrappedOnlyInSetprivWithTheDeathSignal() {
        PoolConfig c = PoolConfig.builder("p", List.of("php-cgi")).build();
        assertThat(cl.argv(c, Path.of("/usr/bin/php-cgi"), null, 0, null)).containsExactly(
                "/usr/bin/setpriv", "--pdeathsig=SIGKILL", "--", "/usr/bin/php-cgi");
    }

    @Test
    void everyWrapperInOrderWithPlaceholdersSubstituted() {
        PoolConfig c = PoolConfig.builder("p", List.of("php-cgi", "-b", "{socket}")).convention(SocketConvention.BIND)
                .user("www-data").rlimitNofile(1024).rlimitCore(0).workingDir(Path.of("/srv")).build();
        assertThat(cl.argv(c, Path.of("/usr/bin/php-cgi"), "/run/x/1.sock", 0, new CommandLine.Ids(33, 33)))
                .containsExactly("/usr/bin/prlimit", "--nofile=1024:1024", "--core=0:0", "--",
                        "/usr/bin/setpriv", "--regid=33", "--reuid=33", "--init-groups", "--no-new-privs",
                        "--pdeathsig=SIGKILL", "--",
                        "/usr/bin/env", "--chdir=/srv", "--",
                        "/usr/bin/php-cgi", "-b", "/run/x/1.sock");
        PoolConfig tcp = PoolConfig.builder("p", List.of("app", "--listen=127.0.0.1:{port}"))
                .convention(SocketConvention.TCP).build();
        assertThat(cl.argv(tcp, Path.of("/opt/app"), null, 9001, null)).endsWith("/opt/app", "--listen=127.0.0.1:9001");
    }

    @Test
    void environmentIsClearedByDefaultAndInheritedOnlyWhenAskedFor() {
        Map<String, String> inherited = Map.of("PATH", "/bin", "HTTP_PROXY", "evil");
        PoolConfig cleared = PoolConfig.builder("p", List.of("x")).env("A", "1").build();
        assertThat(CommandLine.envp(cleared, inherited)).containsExactly("A=1");
        PoolConfig kept = PoolConfig.builder("p", List.of("x")).clearEnv(false).env("PATH", "/usr/bin").build();
        assertThat(CommandLine.envp(kept, inherited)).containsExactlyInAnyOrder("PATH=/usr/bin", "HTTP_PROXY=evil");
    }

    @Test
    void programIsResolvedOnTheManagersPath() {
        assertThat(CommandLine.resolve("sh", "/nonexistent:/bin")).isEqualTo(Path.of("/bin/sh"));
        assertThatThrownBy(() -> CommandLine.resolve("no-such-program-x", "/bin"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
