package org.fcgate.it.peer;

import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.List;

/** {@code java -jar fcgate.jar pool --config FILE}: fcgate's pools as a FastCGI server, like php-fpm. */
public final class FcgatePoolProcess implements AutoCloseable {

    private final PeerProcess process;

    private FcgatePoolProcess(PeerProcess process) {
        this.process = process;
    }

    /** Starts the pool server on {@code config} and waits until {@code socket} (one pool's listen) accepts. */
    public static FcgatePoolProcess start(Path dir, Path config, Path socket) {
        List<String> command = FcgateProcess.jarCommand("pool", "--config", config.toString());
        PeerProcess p = PeerProcess.startAccepting("fcgate pool", command, PeerProcess.baseEnvironment(), dir,
                dir.resolve("fcgate-pool.log"), UnixDomainSocketAddress.of(socket));
        return new FcgatePoolProcess(p);
    }

    public String log() {
        return process.log();
    }

    /** Sends signal {@code name} ({@code HUP}: reload the file) {@code times} times in a row. */
    public void signal(String name, int times) {
        process.signal(name, times);
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
