package org.fcgate.it.peer;

import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code java -jar fcgate.jar pool --config FILE}: fcgate's pools as a FastCGI server, like php-fpm. */
public final class FcgatePoolProcess implements AutoCloseable {

    private final PeerProcess process;

    private FcgatePoolProcess(PeerProcess process) {
        this.process = process;
    }

    /** Starts the pool server on {@code config} and waits until {@code socket} (one pool's listen) accepts. */
    public static FcgatePoolProcess start(Path dir, Path config, Path socket) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(FcgateProcess.JVM_OPTIONS);
        command.addAll(List.of("-jar", FcgateProcess.jar().toString(), "pool", "--config", config.toString()));
        PeerProcess p = PeerProcess.start("fcgate pool", command, PeerProcess.baseEnvironment(), dir,
                dir.resolve("fcgate-pool.log"));
        try {
            p.awaitAccepting(UnixDomainSocketAddress.of(socket));
        } catch (RuntimeException | AssertionError e) {
            p.close();
            throw e;
        }
        return new FcgatePoolProcess(p);
    }

    public String log() {
        return process.log();
    }

    public PeerProcess process() {
        return process;
    }

    /** SIGTERM: the pool server stops listening, stops its children and exits; none may be left. */
    @Override
    public void close() {
        process.close();
    }
}
