package org.fcgate.pool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.List;
import org.fcgate.pool.Lease;
import org.fcgate.pool.Pool;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.config.SocketConvention;
import org.fcgate.pool.status.ExitReason;
import org.junit.jupiter.api.Test;

/** Spawning by each socket convention, readiness, privacy of the sockets, environment, output capture. */
class SpawnIT extends ManagerFixture {

    @Test
    void fd0_pythonChildServesOnItsInheritedListenSocket() throws Exception {
        Pool pool = manager.addPool(PoolConfig.builder("py", python()).pm(PmMode.STATIC).maxChildren(1).build());
        awaitIdle(pool, 1);
        Lease lease = lease(pool, "/hello");
        String body = Procs.body(lease, "");
        lease.release();
        assertThat(body).startsWith("pid=" + lease.pid() + " requests=1 uri=/hello");
    }

    @Test
    void fd0_phpCgiServesOnItsInheritedListenSocket() throws Exception {
        Path script = Files.writeString(tmp.resolve("t.php"), "<?php echo 'php says ', getmypid();");
        Pool pool = manager.addPool(PoolConfig.builder("php", List.of(Procs.PHP_CGI)).pm(PmMode.STATIC)
                .maxChildren(1).env("PHP_FCGI_CHILDREN", "0").build());
        awaitIdle(pool, 1);
        Lease lease = lease(pool, "/t.php");
        String out = new String(phpRequest(lease, script).stdout());
        lease.release();
        assertThat(out).contains("php says " + lease.pid());
    }

    @Test
    void bind_phpCgiBindsTheSocketPlaceholder() throws Exception {
        Path script = Files.writeString(tmp.resolve("t.php"), "<?php echo 'bound ', getmypid();");
        Pool pool = manager.addPool(PoolConfig.builder("phpb", List.of(Procs.PHP_CGI, "-b", "{socket}"))
                .convention(SocketConvention.BIND).pm(PmMode.STATIC).maxChildren(1)
                .env("PHP_FCGI_CHILDREN", "0").build());
        awaitIdle(pool, 1);
        Lease lease = lease(pool, "/t.php");
        String out = new String(phpRequest(lease, script).stdout());
        lease.release();
        assertThat(out).contains("bound " + lease.pid());
        Path sock = Path.of(((UnixDomainSocketAddress) lease.address()).getPath().toString());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock))).isEqualTo("rw-------");
    }

    @Test
    void tcp_childListensOnThePortPlaceholder() throws Exception {
        Pool pool = manager.addPool(PoolConfig.builder("tcp", python("--tcp", "{port}"))
                .convention(SocketConvention.TCP).pm(PmMode.STATIC).maxChildren(1).build());
        awaitIdle(pool, 1);
        Lease lease = lease(pool, "/tcp");
        String body = Procs.body(lease, "");
        lease.release();
        assertThat(lease.address().toString()).contains("127.0.0.1");
        assertThat(body).startsWith("pid=" + lease.pid());
    }

    @Test
    void runtimeDirectoryAndSocketsArePrivate() throws Exception {
        Pool pool = manager.addPool(PoolConfig.builder("priv", python()).pm(PmMode.STATIC).maxChildren(1).build());
        awaitIdle(pool, 1);
        Lease lease = lease(pool, "/");
        lease.release();
        Path sock = Path.of(((UnixDomainSocketAddress) lease.address()).getPath().toString());
        assertThat(perms(manager.runtimeDirectory())).isEqualTo("rwx------");
        assertThat(perms(sock.getParent())).isEqualTo("rwx------");
        assertThat(perms(sock)).isEqualTo("rw-------");
    }

    @Test
    void environmentIsClearedExceptTheConfiguredMapAndWorkingDirectoryIsSet() throws Exception {
        Pool pool = manager.addPool(PoolConfig.builder("env", python()).pm(PmMode.STATIC).maxChildren(1)
                .env("ONLY_THIS", "1").workingDir(tmp).build());
        awaitIdle(pool, 1);
        Lease lease = lease(pool, "/");
        String body = Procs.body(lease, "env=1");
        lease.release();
        // python adds LC_CTYPE itself (PEP 538 locale coercion); nothing else may come from the manager
        assertThat(body).containsPattern("env=(LC_CTYPE,)?ONLY_THIS\n").contains("cwd=" + tmp.toRealPath());
        assertThat(System.getenv()).containsKey("PATH");
    }

    @Test
    void rlimitsAreApplied() throws Exception {
        Pool pool = manager.addPool(PoolConfig.builder("lim", python()).pm(PmMode.STATIC).maxChildren(1)
                .rlimitNofile(123).rlimitCore(0).build());
        awaitIdle(pool, 1);
        long pid = pool.snapshot().children().get(0).pid();
        String limits = Files.readString(Path.of("/proc/" + pid + "/limits"));
        assertThat(limits).containsPattern("Max open files\\s+123\\s+123");
        assertThat(limits).containsPattern("Max core file size\\s+0\\s+0");
    }

    @Test
    void childOutputIsCapturedLineByLineTaggedWithPoolAndPid() {
        Pool pool = manager.addPool(PoolConfig.builder("out", python("--say-hello")).pm(PmMode.STATIC)
                .maxChildren(1).build());
        awaitIdle(pool, 1);
        long pid = pool.snapshot().children().get(0).pid();
        await().until(() -> output.contains(new OutputLine("out", pid, "hello from " + pid)));
    }

    @Test
    void childrenGetNoDescriptorsOfTheManager() throws Exception {
        Pool pool = manager.addPool(PoolConfig.builder("fds", python()).pm(PmMode.STATIC).maxChildren(2).build());
        awaitIdle(pool, 2);
        for (var c : pool.snapshot().children()) {
            try (var s = Files.list(Path.of("/proc/" + c.pid() + "/fd"))) {
                // 0 listen socket, 1+2 output pipe, plus at most python's own (e.g. a script file)
                assertThat(s.count()).as("fds of " + c.pid()).isLessThanOrEqualTo(4);
            }
        }
    }

    @Test
    void shutdownStopsAndReapsEveryChild() {
        Pool pool = manager.addPool(PoolConfig.builder("stop", python()).pm(PmMode.STATIC).maxChildren(3).build());
        awaitIdle(pool, 3);
        List<Long> pids = pool.snapshot().children().stream().map(c -> c.pid()).toList();
        pool.shutdown(Duration.ofSeconds(5)).join();
        assertThat(pids).noneMatch(Procs::alive);
        assertThat(pool.snapshot().counters().exits(ExitReason.SHUTDOWN)).isEqualTo(3);
    }

    private static String perms(Path p) throws java.io.IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static org.fcgate.fcgi.client.FcgiConnection.Result phpRequest(Lease lease, Path script)
            throws java.io.IOException {
        try (var c = org.fcgate.fcgi.client.FcgiConnection.open(lease.address(), Duration.ofSeconds(5))) {
            c.timeout(Duration.ofSeconds(20));
            var params = org.fcgate.fcgi.params.Params.builder()
                    .add("REQUEST_METHOD", "GET").add("SCRIPT_FILENAME", script.toString())
                    .add("SCRIPT_NAME", "/t.php").add("REQUEST_URI", "/t.php").add("QUERY_STRING", "")
                    .add("SERVER_PROTOCOL", "HTTP/1.1").add("GATEWAY_INTERFACE", "CGI/1.1")
                    .add("REDIRECT_STATUS", "200").build();
            return c.execute(params, new byte[0]);
        }
    }
}
