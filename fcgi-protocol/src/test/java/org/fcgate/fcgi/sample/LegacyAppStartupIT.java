package org.fcgate.fcgi.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fcgate.fcgi.client.FcgiConnection;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.Fcgi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the sample app is started: on a listening socket inherited as fd 0 (FCGI_LISTENSOCK_FILENO, FastCGI 1.0 §2.2),
 * with {@code --tcp}, and the exit statuses of bad starts.
 */
class LegacyAppStartupIT {

    /**
     * Binds a Unix or TCP listening socket, writes where it listens to a file, puts it on fd 0 and execs the rest of
     * the command line: what a FastCGI process manager does (Java's ProcessBuilder cannot pass a socket as stdin).
     */
    private static final String SPAWN_ON_FD0 = String.join("\n",
            "import socket, os, sys",
            "family, where, info = sys.argv[1:4]",
            "if family == 'unix':",
            "    s = socket.socket(socket.AF_UNIX); s.bind(where)",
            "else:",
            "    host, port = where.rsplit(':', 1); s = socket.socket(socket.AF_INET); s.bind((host, int(port)))",
            "s.listen(16)",
            "open(info, 'w').write(str(s.getsockname()[1]) if family == 'tcp' else where)",
            "os.dup2(s.fileno(), 0)",
            "os.execvp(sys.argv[4], sys.argv[4:])");

    @TempDir
    Path dir;

    private final List<LegacyAppProcess> children = new ArrayList<>();

    @AfterEach
    void killChildren() {
        children.forEach(LegacyAppProcess::close);
    }

    private LegacyAppProcess start(List<String> command) throws IOException {
        LegacyAppProcess p = LegacyAppProcess.start(command, dir.resolve("app-" + children.size() + ".log"));
        children.add(p);
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp"})
    void acceptsOnTheListeningSocketInheritedAsFd0(String family) throws Exception {
        Path info = dir.resolve("listening");
        String where = family.equals("unix") ? dir.resolve("fd0.sock").toString() : "127.0.0.1:0";
        List<String> command = new ArrayList<>(List.of("python3", "-c", SPAWN_ON_FD0, family, where, info.toString()));
        command.addAll(LegacyAppProcess.javaCommand());
        LegacyAppProcess app = start(command);
        app.awaitLog("accepting on");
        SocketAddress address = family.equals("unix")
                ? UnixDomainSocketAddress.of(where)
                : new InetSocketAddress("127.0.0.1", Integer.parseInt(Files.readString(info)));

        assertServes(address);
    }

    @Test
    void listensOnTcpWithTheTcpOption() throws Exception {
        LegacyAppProcess app = start(LegacyAppProcess.javaCommand("--tcp", "127.0.0.1:0"));
        app.awaitLog("accepting on");
        Matcher m = Pattern.compile("accepting on /127\\.0\\.0\\.1:(\\d+)").matcher(app.log());
        assertThat(m.find()).as("log: %s", app.log()).isTrue();

        assertServes(new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1))));
    }

    @Test
    void withoutASocketOnFd0ItExitsWithStatus3AndSaysWhy() throws Exception {
        LegacyAppProcess app = start(LegacyAppProcess.javaCommand()); // stdin is a pipe

        assertThat(app.awaitExit()).isEqualTo(3);
        assertThat(app.log()).contains("fd 0 is not a listening socket");
    }

    @Test
    void aSocketPathInUseIsRefusedWithStatus4() throws Exception {
        Path socket = dir.resolve("app.sock");
        LegacyAppProcess first = start(LegacyAppProcess.javaCommand("--socket", socket.toString()));
        first.awaitLog("accepting on");
        LegacyAppProcess second = start(LegacyAppProcess.javaCommand("--socket", socket.toString()));

        assertThat(second.awaitExit()).isEqualTo(4);
        assertThat(second.log()).contains("is in use");
        assertServes(UnixDomainSocketAddress.of(socket));
    }

    @Test
    void aStaleSocketFileIsReplaced() throws Exception {
        Path socket = dir.resolve("app.sock");
        LegacyAppProcess crashed = start(LegacyAppProcess.javaCommand("--socket", socket.toString()));
        crashed.awaitLog("accepting on");
        crashed.close(); // SIGKILL: the socket file stays behind
        assertThat(socket).exists();

        LegacyAppProcess app = start(LegacyAppProcess.javaCommand("--socket", socket.toString()));
        app.awaitLog("accepting on");

        assertThat(Files.getPosixFilePermissions(socket)).extracting(Object::toString)
                .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
        assertServes(UnixDomainSocketAddress.of(socket));
    }

    @Test
    void badArgumentsExitWithStatus2AndHelpWith0() throws Exception {
        LegacyAppProcess bad = start(LegacyAppProcess.javaCommand("--bogus"));
        LegacyAppProcess help = start(LegacyAppProcess.javaCommand("--help"));

        assertThat(bad.awaitExit()).isEqualTo(2);
        assertThat(bad.log()).contains("unknown argument: --bogus", "usage:");
        assertThat(help.awaitExit()).isZero();
        assertThat(help.log()).contains("--socket PATH", "--tcp HOST:PORT");
    }

    private static void assertServes(SocketAddress address) throws IOException {
        try (FcgiConnection c = FcgiConnection.open(address, LegacyAppProcess.PATIENCE)) {
            assertThat(c.getValues(Set.of(Fcgi.MAX_CONNS))).isEqualTo(Map.of(Fcgi.MAX_CONNS, "1"));
            FcgiConnection.Result r = c.execute(Params.builder().add("QUERY_STRING", "").build(), new byte[0]);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("requests-served=1");
        }
    }
}
