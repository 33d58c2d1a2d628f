package org.fcgate.it.peer;

import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.fcgate.fcgi.params.Params;

/**
 * Our application role: the SDK's sample {@code org.fcgate.fcgi.sample.LegacyApp} in a child JVM on a Unix socket.
 * Every launch carries a unique {@code -Dfcgate.test.marker=UUID} so that a copy started by someone else (cgi-fcgi)
 * can be found in {@code /proc} and stopped.
 */
public final class SampleAppProcess implements AutoCloseable {

    public static final String MAIN_CLASS = "org.fcgate.fcgi.sample.LegacyApp";

    private final PeerProcess process;
    private final Path socket;

    private SampleAppProcess(PeerProcess process, Path socket) {
        this.process = process;
        this.socket = socket;
    }

    /** Starts the app with {@code --socket dir/app.sock} and waits until it accepts. */
    public static SampleAppProcess start(Path dir) {
        Path socket = dir.resolve("app.sock");
        List<String> command = javaCommand(newMarker());
        command.add("--socket");
        command.add(socket.toString());
        PeerProcess p = PeerProcess.startAccepting("sample app", command, PeerProcess.baseEnvironment(), dir,
                dir.resolve("app.log"), UnixDomainSocketAddress.of(socket));
        return new SampleAppProcess(p, socket);
    }

    /** A fresh marker argument, {@code -Dfcgate.test.marker=UUID}. */
    public static String newMarker() {
        return "-Dfcgate.test.marker=" + UUID.randomUUID();
    }

    /**
     * {@code JAVA -Dfcgate.test.marker=… -cp CLASSPATH org.fcgate.fcgi.sample.LegacyApp}, without the app's
     * arguments; the class path is wherever the test loaded fcgi-protocol from (its jar or classes folder).
     */
    public static List<String> javaCommand(String marker) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(marker);
        command.add("-cp");
        command.add(fcgiProtocolClasspath().toString());
        command.add(MAIN_CLASS);
        return command;
    }

    /** Where {@code fcgi-protocol} is on the test class path; fails if the sample app is not in it. */
    static Path fcgiProtocolClasspath() {
        Path where;
        try {
            where = Path.of(Params.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        try {
            Class.forName(MAIN_CLASS, false, Params.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError("the sample app " + MAIN_CLASS + " is not in fcgi-protocol (" + where + ")", e);
        }
        return where;
    }

    public Path socket() {
        return socket;
    }

    public UnixDomainSocketAddress address() {
        return UnixDomainSocketAddress.of(socket);
    }

    public PeerProcess process() {
        return process;
    }

    @Override
    public void close() {
        process.close();
    }
}
