package org.fcgate.pool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.fcgate.pool.Lease;
import org.fcgate.pool.Pool;
import org.fcgate.pool.config.ConfigException;
import org.fcgate.pool.config.PmMode;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.config.SocketConvention;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * R71, child identity: with the manager running as root, children run as a throwaway system user created for
 * this class ({@code useradd --system}, removed by {@code userdel} after it). Skipped, with a message, only when
 * the tests do not run as root.
 */
class PrivilegeIT extends ManagerFixture {
    private static String user;
    private static long uid;
    private static long gid;

    @BeforeAll
    static void createUser() throws Exception {
        long euid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        Assumptions.assumeTrue(euid == 0, "PrivilegeIT needs root to create a throwaway system user and switch "
                + "children to it; running as uid " + euid + ", skipped");
        user = "fcgate-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user);
        uid = Long.parseLong(run("id", "-u", user));
        gid = Long.parseLong(run("id", "-g", user));
    }

    @AfterAll
    static void deleteUser() throws Exception {
        if (user != null) {
            run("userdel", user);
        }
    }

    @Test
    void R71_childRunsAsThePoolUserWithOnlyItsOwnGroupAndNoNewPrivileges() throws Exception {
        Pool pool = manager.addPool(PoolConfig.builder("who", python()).pm(PmMode.STATIC).maxChildren(1)
                .user(user).build());
        awaitIdle(pool, 1);
        Lease l = lease(pool, "/who");
        assertThat(Procs.body(l, "")).as("accepts on its inherited fd 0 socket").startsWith("pid=" + l.pid());
        Map<String, String> status = status(l.pid());
        l.release();
        String ids = uid + "\t" + uid + "\t" + uid + "\t" + uid;
        assertThat(status.get("Uid")).as("real, effective, saved, fs uid").isEqualTo(ids);
        assertThat(status.get("Gid")).isEqualTo(gid + "\t" + gid + "\t" + gid + "\t" + gid);
        assertThat(status.get("Groups").trim()).as("supplementary groups").isEqualTo(Long.toString(gid));
        assertThat(status.get("NoNewPrivs")).isEqualTo("1");
    }

    @Test
    void R71_bindChildCreatesItsSocketInAPoolDirectoryOwnedByItsUser() throws Exception {
        // The child resolves the socket path itself, so every directory above it must be traversable.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        Pool pool = manager.addPool(PoolConfig.builder("bound", python("--socket", "{socket}"))
                .convention(SocketConvention.BIND).pm(PmMode.STATIC).maxChildren(1).user(user).build());
        awaitIdle(pool, 1);
        Lease l = lease(pool, "/bound");
        assertThat(Procs.body(l, "")).startsWith("pid=" + l.pid());
        l.release();
        Path sock = Path.of(((UnixDomainSocketAddress) l.address()).getPath().toString());
        assertThat(Files.getAttribute(sock, "unix:uid")).as("created by the child").isEqualTo((int) uid);
        assertThat(perms(sock)).isEqualTo("rw-------");
        assertThat(Files.getAttribute(sock.getParent(), "unix:uid")).isEqualTo((int) uid);
        assertThat(perms(sock.getParent())).isEqualTo("rwx------");
        assertThat(perms(manager.runtimeDirectory())).as("traverse only").isEqualTo("rwx--x--x");
    }

    @Test
    void R71_userRootIsRefusedAtValidationUnlessExplicitlyAllowed() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> PoolConfig.builder("r", python())
                .user("root").build());
        assertThat(e.errors())
                .containsExactly("[pool r] user (root) refusing to run children as root without allow_root");
        ConfigException byUid = catchThrowableOfType(ConfigException.class, () -> PoolConfig.builder("r", python())
                .user("0").build());
        assertThat(byUid.errors())
                .containsExactly("[pool r] user (0) refusing to run children as root without allow_root");
        assertThat(PoolConfig.builder("r", python()).user("root").allowRoot(true).build().user()).isEqualTo("root");
    }

    @Test
    void R71_parentDeathSignalStillKillsChildrenAfterTheUidSwitch() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                OrphanMain.class.getName(), tmp.resolve("orphan-rt").toString(), user)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<Long> pids = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.equals("ready")) {
                if (line.startsWith("pid ")) {
                    pids.add(Long.parseLong(line.substring(4)));
                }
            }
            assertThat(pids).hasSize(3).allMatch(PrivilegeIT::running);
            for (long pid : pids) {
                assertThat(status(pid).get("Uid")).startsWith(uid + "\t");
            }
            jvm.destroyForcibly(); // SIGKILL
            jvm.waitFor();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(pids).noneMatch(PrivilegeIT::running));
    }

    private static Map<String, String> status(long pid) throws IOException {
        Map<String, String> fields = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            int colon = line.indexOf(':');
            fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
        }
        return fields;
    }

    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).charAt(0) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    private static String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
