package org.fcgate.it.multihost;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fcgate.it.peer.PeerBinaries;

/**
 * The project's own test hosts: network namespaces on one Ethernet segment. A namespace acting as the switch holds a
 * bridge; each host namespace has {@code eth0}, a veth whose other end is a bridge port in the switch, addressed from
 * the benchmark-testing range 198.18.0.0/15 (RFC 2544), never from a range that could be routed elsewhere. Nothing
 * is created in the root namespace, so the machine's own interfaces and routes are never touched.
 *
 * <p>Lifecycle: {@link #unavailable} (why the lab cannot be built here, for a skip) → {@link #create} → {@link #exec}
 * commands in hosts, {@link #cut}/{@link #restore} a host's cable → {@link #close} deletes every namespace it created
 * (their veths go with them), also after a failed create.
 */
final class NetworkLab implements AutoCloseable {

    private static final AtomicInteger LABS = new AtomicInteger();
    private static final long COMMAND_SECONDS = 30;
    /** A namespace of this class: {@code fcgPID-…} ({@code ip netns list} may add " (id: N)"). */
    private static final Pattern LEFTOVER = Pattern.compile("^(fcg(\\d+)-\\S+)");

    private final Path ip;
    private final String prefix;
    private final String sw;
    private final Map<String, String> namespaces = new LinkedHashMap<>();
    private final List<String> created = new ArrayList<>();

    private NetworkLab(Path ip) {
        this.ip = ip;
        // Unique per JVM and lab: tests of several worktrees may run at once on one machine.
        this.prefix = "fcg" + ProcessHandle.current().pid() + "-" + LABS.incrementAndGet();
        this.sw = prefix + "-sw";
    }

    /** Empty when namespaces can be made here; else one line saying why not. */
    static Optional<String> unavailable() {
        if (!isRoot()) {
            return Optional.of("network namespaces need root (ip netns add); this run is not root");
        }
        Path ipPath;
        try {
            ipPath = PeerBinaries.require("ip", "iproute2");
        } catch (AssertionError e) {
            return Optional.of(e.getMessage());
        }
        String probe = "fcg" + ProcessHandle.current().pid() + "-probe";
        try {
            run(ipPath, List.of("netns", "add", probe));
            run(ipPath, List.of("netns", "del", probe));
            return Optional.empty();
        } catch (AssertionError e) {
            return Optional.of("ip netns is not usable here: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0")); // effective uid
        } catch (IOException e) {
            return false;
        }
    }

    /** One namespace per host, each addressed {@code address/24} on the switch's segment. */
    static NetworkLab create(Map<String, String> hostAddresses) {
        NetworkLab lab = new NetworkLab(PeerBinaries.require("ip", "iproute2"));
        lab.removeLeftovers();
        try {
            lab.addNamespace(lab.sw);
            lab.ip("-n", lab.sw, "link", "add", "br0", "type", "bridge");
            lab.ip("-n", lab.sw, "link", "set", "br0", "up");
            hostAddresses.forEach(lab::addHost);
            return lab;
        } catch (RuntimeException | AssertionError e) {
            lab.close();
            throw e;
        }
    }

    /**
     * Deletes namespaces a lab of a test JVM that no longer runs left behind (killed before its teardown): only names
     * of this class's form, {@code fcgPID-…}, whose PID is gone.
     */
    private void removeLeftovers() {
        for (String line : run(ip, List.of("netns", "list")).split("\n")) {
            Matcher m = LEFTOVER.matcher(line);
            if (m.find() && ProcessHandle.of(Long.parseLong(m.group(2))).isEmpty()) {
                run(ip, List.of("netns", "del", m.group(1)));
            }
        }
    }

    private void addHost(String host, String address) {
        String ns = prefix + "-" + host;
        addNamespace(ns);
        namespaces.put(host, ns);
        String port = "v" + host;
        ip("-n", sw, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
        ip("-n", sw, "link", "set", port, "master", "br0");
        ip("-n", sw, "link", "set", port, "up");
        ip("-n", ns, "addr", "add", address + "/24", "dev", "eth0");
        ip("-n", ns, "link", "set", "eth0", "up");
        ip("-n", ns, "link", "set", "lo", "up");
    }

    private void addNamespace(String ns) {
        ip("netns", "add", ns);
        created.add(ns);
    }

    String namespace(String host) {
        return namespaces.get(host);
    }

    /** {@code ip netns exec NS command…}: {@code ip} execs the command, so the process started is the command. */
    List<String> exec(String host, List<String> command) {
        List<String> out = new ArrayList<>(List.of(ip.toString(), "netns", "exec", namespace(host)));
        out.addAll(command);
        return out;
    }

    /** Runs {@code command} in {@code host} and returns its output; fails on a non-zero exit. */
    String run(String host, List<String> command) {
        List<String> c = exec(host, command);
        return run(Path.of(c.get(0)), c.subList(1, c.size()));
    }

    /** Pulls the host's cable: its bridge port goes down, every frame to and from it is lost. */
    void cut(String host) {
        ip("-n", sw, "link", "set", "v" + host, "down");
    }

    void restore(String host) {
        ip("-n", sw, "link", "set", "v" + host, "up");
    }

    private void ip(String... args) {
        run(ip, List.of(args));
    }

    private static String run(Path program, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(program.toString());
        command.addAll(args);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command + " did not finish within " + COMMAND_SECONDS + " s");
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError(command + " exited " + p.exitValue() + ": " + text.strip());
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        }
    }

    /** Deletes every namespace this lab created, the switch last; reports the first failure after trying all. */
    @Override
    public void close() {
        AssertionError first = null;
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                ip("netns", "del", created.get(i));
            } catch (AssertionError | RuntimeException e) {
                if (first == null) {
                    first = new AssertionError("deleting namespace " + created.get(i), e);
                }
            }
        }
        created.clear();
        if (first != null) {
            throw first;
        }
    }
}
