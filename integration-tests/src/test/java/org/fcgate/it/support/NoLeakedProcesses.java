package org.fcgate.it.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.fcgate.it.peer.ProcessTable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Leak check after each integration test (runs after {@code @AfterEach}): every child process the test started has
 * exited, and the test JVM holds no more sockets than before it.
 */
public final class NoLeakedProcesses implements BeforeEachCallback, AfterEachCallback {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoLeakedProcesses.class);

    static {
        // NIO keeps one end of a Unix socketpair for the JVM's life: the "pre-close" descriptor that is dup2'ed over
        // a channel's fd being closed while another thread may still use it. Create it now so it is not counted as a
        // leak. Where it lives depends on the JDK:
        // - JDK 17: sun.nio.ch.FileDispatcherImpl's static init(), which Selector.open() triggers;
        // - JDK 25: sun.nio.ch.UnixDispatcher's static init() (superclass of SocketDispatcher and
        //   DatagramDispatcher), which Selector.open() no longer triggers; the first socket channel (or
        //   java.net.Socket/ServerSocket, through NioSocketImpl) does.
        try {
            Selector.open().close();
            SocketChannel.open().close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("children", runningDescendants());
        context.getStore(NS).put("sockets", openSockets().size());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        Set<Long> before = context.getStore(NS).get("children", Set.class);
        int socketsBefore = context.getStore(NS).get("sockets", Integer.class);
        await("child processes started by the test have exited")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    Set<Long> now = runningDescendants();
                    now.removeAll(before);
                    return now.isEmpty();
                });
        await("sockets opened by the test are closed (before: " + socketsBefore + ")")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .until(NoLeakedProcesses::openSockets, now -> now.size() <= socketsBefore);
    }

    private static Set<Long> runningDescendants() {
        return ProcessHandle.current().descendants()
                .map(ProcessHandle::pid)
                .filter(ProcessTable::isRunning)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** This JVM's file descriptors that are sockets, as "fd -> socket:[inode]". */
    private static List<String> openSockets() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            List<String> sockets = new ArrayList<>();
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:")) {
                        sockets.add(fd.getFileName() + " -> " + target);
                    }
                } catch (IOException e) {
                    // closed while listing (the listing's own descriptor, for one)
                }
            }
            return sockets;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
