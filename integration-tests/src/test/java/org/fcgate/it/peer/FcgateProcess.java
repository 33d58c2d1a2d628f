package org.fcgate.it.peer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code fcgate serve} as a child JVM: {@code java -Xmx256m -XX:MaxDirectMemorySize=64m -jar fcgate.jar serve --root
 * DIR --listen 127.0.0.1:PORT ARGS}, the same jar and command line an operator runs.
 *
 * <p>Why a child JVM and not {@code FcgateCommand} in-process: its heap can be measured apart from the test's (the
 * 200 MiB download test), its bounds are an operator's bounds, and stopping it is a SIGTERM through the real shutdown
 * hook. The jar is the shaded {@code gateway/target/fcgate.jar}: the test-scoped dependency on {@code gateway} makes
 * the reactor package it first, and failsafe passes its path as the system property {@code fcgate.jar}.
 */
public final class FcgateProcess implements AutoCloseable {

    /** Heap and direct-memory ceilings of the child: a response it held in memory would hit them. */
    public static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:MaxDirectMemorySize=64m",
            "-XX:+UseSerialGC");

    private final PeerProcess process;
    private final int port;

    private FcgateProcess(PeerProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts {@code fcgate serve --root docRoot --listen 127.0.0.1:PORT serveArgs} in a UTF-8 locale
     * ({@code LANG=C.UTF-8}, as docs/gateway.md asks: the JVM names files in the locale's charset) and waits until it
     * accepts.
     */
    public static FcgateProcess start(Path dir, Path docRoot, List<String> serveArgs) {
        Map<String, String> env = PeerProcess.baseEnvironment();
        env.put("LANG", "C.UTF-8");
        return start(dir, docRoot, serveArgs, env);
    }

    /** As {@link #start(Path, Path, List)} with exactly the environment {@code env}. */
    public static FcgateProcess start(Path dir, Path docRoot, List<String> serveArgs, Map<String, String> env) {
        List<String> args = new ArrayList<>(List.of("--root", docRoot.toString()));
        args.addAll(serveArgs);
        return serve(dir, args, env);
    }

    /** {@code fcgate serve --listen 127.0.0.1:PORT serveArgs} (no {@code --root}: the bundled demo site). */
    public static FcgateProcess serve(Path dir, List<String> serveArgs, Map<String, String> env) {
        int port = NginxProcess.freeLoopbackPort();
        List<String> command = jarCommand("serve", "--listen", "127.0.0.1:" + port);
        command.addAll(serveArgs);
        Path log = dir.resolve("fcgate.log");
        PeerProcess p = PeerProcess.startAccepting("fcgate", command, env, dir, log,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return new FcgateProcess(p, port);
    }

    /**
     * {@code fcgate run --config FILE args}: the file must listen on 127.0.0.1:{@code port} (the caller wrote it there,
     * e.g. with {@link NginxProcess#freeLoopbackPort()}); waits until that port accepts.
     */
    public static FcgateProcess run(Path dir, Path config, int port, List<String> args, Map<String, String> env) {
        List<String> command = jarCommand("run", "--config", config.toString());
        command.addAll(args);
        PeerProcess p = PeerProcess.startAccepting("fcgate", command, env, dir, dir.resolve("fcgate.log"),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return new FcgateProcess(p, port);
    }

    /** What a short {@code fcgate} command printed (stdout and stderr together) and its exit status. */
    public record CommandResult(int exit, String output) {
    }

    /** Runs {@code java -jar fcgate.jar args} to its end (e.g. {@code reload --config FILE}), within PATIENCE. */
    public static CommandResult command(Path dir, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar().toString()));
        command.addAll(args);
        PeerProcess.Finished f = PeerProcess.runToEnd(command, dir, PeerProcess.PATIENCE);
        return new CommandResult(f.exit(), f.output());
    }

    /** Sends {@code SIG<name>} (e.g. {@code HUP}) to the gateway {@code times} times in a row, from one shell. */
    public void signal(String name, int times) {
        process.signal(name, times);
    }

    /** {@code JAVA JVM_OPTIONS -jar fcgate.jar args}, a mutable list for more arguments. */
    public static List<String> jarCommand(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.addAll(List.of("-jar", jar().toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** The shaded jar; fails with how to build it when it is not there. */
    static Path jar() {
        Path jar = Path.of(System.getProperty("fcgate.jar", "../gateway/target/fcgate.jar")).toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError(jar + " is missing: run the ITs through the reactor (mvn -pl integration-tests "
                    + "-am verify …), which packages gateway first");
        }
        return jar;
    }

    public int port() {
        return port;
    }

    public PeerProcess process() {
        return process;
    }

    public String log() {
        return process.log();
    }

    /**
     * The child's heap in use right after a full GC, in bytes: {@code jcmd PID GC.run}, then {@code jstat -gc PID}
     * (survivor, eden and old "used" columns). What is left after a full GC is what the gateway holds on to.
     */
    public long heapUsedAfterGc() {
        String pid = Long.toString(process.pid());
        jdkTool("jcmd", pid, "GC.run");
        List<String> lines = jdkTool("jstat", "-gc", pid).lines().filter(l -> !l.isBlank()).toList();
        String[] names = lines.get(0).trim().split("\\s+");
        String[] values = lines.get(1).trim().split("\\s+");
        double kib = 0;
        for (int i = 0; i < names.length; i++) {
            if (List.of("S0U", "S1U", "EU", "OU").contains(names[i])) {
                kib += Double.parseDouble(values[i]);
            }
        }
        return (long) (kib * 1024);
    }

    private static String jdkTool(String tool, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", tool).toString());
        command.addAll(List.of(args));
        PeerProcess.Finished f = PeerProcess.runToEnd(command, PeerProcess.PATIENCE);
        if (f.exit() != 0) {
            throw new AssertionError(command + " failed: " + f.output());
        }
        return f.output();
    }

    @Override
    public void close() {
        process.close();
    }
}
