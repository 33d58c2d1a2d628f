package org.fcgate.pool.spawn;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import jnr.posix.Group;
import jnr.posix.POSIX;
import jnr.posix.Passwd;
import jnr.unixsocket.UnixServerSocketChannel;
import jnr.unixsocket.UnixSocketAddress;
import org.fcgate.pool.config.ConfigException;
import org.fcgate.pool.config.PoolConfig;
import org.fcgate.pool.config.SocketConvention;
import org.fcgate.pool.supervise.ExitStatus;
import org.fcgate.pool.supervise.ProcStatus;
import org.fcgate.pool.supervise.Reaper;
import org.fcgate.pool.supervise.Signal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts real child processes for one pool.
 *
 * <p>Per child: (1) on the spawner thread, prepare the socket (fd0: bind + listen a Unix socket, chmod 0600;
 * bind: pick the path; tcp: pick a free loopback port) and an output pipe, {@code posix_spawnp} the wrapped
 * command ({@link CommandLine}), close the parent's copies with {@code posix.close} (a channel close would
 * shut the socket down under the child); (2) start the {@link Reaper} and the {@link OutputPump}; (3) probe
 * readiness with FCGI_GET_VALUES until {@code spawn_timeout}, retrying the connect for bind/tcp children
 * that have not created their socket yet.
 */
public final class ProcessLauncher implements ChildLauncher {
    private static final Logger log = LoggerFactory.getLogger(ProcessLauncher.class);
    private static final long FIRST_RETRY_MILLIS = 5;
    private static final long MAX_RETRY_MILLIS = 100;

    private final PoolConfig config;
    private final POSIX posix;
    private final Spawner spawner;
    private final Path poolDir;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService probes;
    private final OutputSink sink;
    private final CommandLine commandLine;
    private final Path program;
    private final CommandLine.Ids ids;
    private final LogRateLimiter outputLimiter;
    private final Map<Long, Child> children = new ConcurrentHashMap<>();

    /** One child's process-side state; guarded by its own monitor. */
    private static final class Child {
        final long id;
        long pid;
        Reaper reaper;
        boolean killBeforeSpawn;
        Path socketPath;
        volatile SocketChannel probeChannel;
        volatile boolean ready;

        Child(long id) {
            this.id = id;
        }
    }

    public ProcessLauncher(PoolConfig config, POSIX posix, Spawner spawner, RuntimeDirectory runtime,
                           ScheduledExecutorService scheduler, ExecutorService probes, OutputSink sink,
                           CommandLine commandLine) {
        this(config, posix, spawner, runtime, config.name(), scheduler, probes, sink, commandLine);
    }

    /**
     * As above, with the children's sockets in {@code runtime}'s directory {@code directory} (a second generation
     * of a pool needs its own: child ids, and so socket names, start again at 1).
     */
    public ProcessLauncher(PoolConfig config, POSIX posix, Spawner spawner, RuntimeDirectory runtime,
                           String directory, ScheduledExecutorService scheduler, ExecutorService probes,
                           OutputSink sink, CommandLine commandLine) {
        this.config = config;
        this.posix = posix;
        this.spawner = spawner;
        this.scheduler = scheduler;
        this.probes = probes;
        this.sink = sink;
        this.commandLine = commandLine;
        this.program = CommandLine.resolve(config.command().get(0), System.getenv("PATH"));
        this.ids = resolveIds(config, posix);
        this.poolDir = runtime.poolDirectory(directory);
        if (ids != null) {
            runtime.allowTraverse();
            if (posix.chown(poolDir.toString(), (int) ids.uid(), (int) ids.gid()) != 0) {
                throw new IllegalStateException("cannot chown " + poolDir + " (errno " + posix.errno() + ")");
            }
        }
        this.outputLimiter = new LogRateLimiter(config.logLinesPerSecond(), System.nanoTime());
    }

    private static CommandLine.Ids resolveIds(PoolConfig config, POSIX posix) {
        if (config.user() == null) {
            return null;
        }
        String pool = "[pool " + config.name() + "] ";
        if (posix.geteuid() != 0) {
            throw new ConfigException(List.of(pool + "user (" + config.user() + ") needs the manager to run as root"));
        }
        Passwd pw = posix.getpwnam(config.user());
        if (pw == null) {
            throw new ConfigException(List.of(pool + "user (" + config.user() + ") no such user"));
        }
        long gid = pw.getGID();
        if (config.group() != null) {
            Group g = posix.getgrnam(config.group());
            if (g == null) {
                throw new ConfigException(List.of(pool + "group (" + config.group() + ") no such group"));
            }
            gid = g.getGID();
        }
        if ((pw.getUID() == 0 || gid == 0) && !config.allowRoot()) {
            throw new ConfigException(List.of(pool + "user (" + config.user()
                    + ") resolves to root; refusing without allow_root"));
        }
        return new CommandLine.Ids(pw.getUID(), gid);
    }

    @Override
    public void launch(long childId, LaunchListener listener) {
        Child c = new Child(childId);
        children.put(childId, c);
        spawner.submit(() -> {
            spawnNow(c, listener);
            return null;
        });
    }

    private void spawnNow(Child c, LaunchListener listener) {
        int listenFd = -1;
        int[] pipe = null;
        SocketAddress address;
        String socketArg = null;
        int port = 0;
        long pid;
        try {
            switch (config.convention()) {
                case FD0 -> {
                    c.socketPath = poolDir.resolve(c.id + ".sock");
                    Files.deleteIfExists(c.socketPath);
                    UnixServerSocketChannel ch = UnixServerSocketChannel.open();
                    ch.socket().bind(new UnixSocketAddress(c.socketPath.toFile()), 128);
                    listenFd = ch.getFD();
                    spawner.cloexec(listenFd);
                    RuntimeDirectory.restrictSocket(c.socketPath);
                    address = UnixDomainSocketAddress.of(c.socketPath);
                }
                case BIND -> {
                    c.socketPath = poolDir.resolve(c.id + ".sock");
                    Files.deleteIfExists(c.socketPath);
                    socketArg = c.socketPath.toString();
                    address = UnixDomainSocketAddress.of(c.socketPath);
                }
                case TCP -> {
                    port = freeLoopbackPort();
                    address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
                }
                default -> throw new IllegalStateException("convention: " + config.convention());
            }
            pipe = spawner.pipe();
            List<String> argv = commandLine.argv(config, program, socketArg, port, ids);
            List<String> envp = CommandLine.envp(config, System.getenv());
            pid = spawner.spawnOnThisThread(new Spawner.Request(argv, envp, listenFd, pipe[1]));
        } catch (IOException | RuntimeException e) {
            int errno = e instanceof Spawner.SpawnException se ? se.errno() : 0;
            log.error("[pool {}] cannot spawn child {}: {}", config.name(), c.id, e.toString());
            if (pipe != null) {
                posix.close(pipe[0]);
            }
            children.remove(c.id);
            deleteSocket(c);
            listener.exited(c.id, ExitStatus.notStarted(errno));
            return;
        } finally {
            if (listenFd >= 0) {
                posix.close(listenFd); // not channel.close(): that would shut the socket down for the child
            }
            if (pipe != null) {
                posix.close(pipe[1]);
            }
        }
        long childPid = pid;
        c.pid = pid;
        log.debug("[pool {}] spawned child {} pid {}", config.name(), c.id, pid);
        OutputPump.start(posix, pipe[0], config.name(), pid, config.logLineMaxBytes(), outputLimiter,
                System::nanoTime, sink);
        listener.started(c.id, pid, address);
        Reaper reaper = Reaper.watch(posix, pid, "fcgate-reaper-" + config.name() + "-" + pid, status -> {
            children.remove(c.id);
            deleteSocket(c);
            SocketChannel probe = c.probeChannel;
            if (probe != null) {
                closeQuietly(probe);
            }
            listener.exited(c.id, status);
        });
        synchronized (c) {
            c.reaper = reaper;
            if (c.killBeforeSpawn) {
                reaper.signal(Signal.KILL);
                return;
            }
        }
        long deadline = System.nanoTime() + config.spawnTimeout().toNanos();
        scheduler.schedule(() -> {
            SocketChannel ch = c.probeChannel;
            if (!c.ready && ch != null) {
                closeQuietly(ch);
            }
        }, config.spawnTimeout().toNanos(), TimeUnit.NANOSECONDS);
        probes.execute(() -> probe(c, childPid, address, deadline, FIRST_RETRY_MILLIS, listener));
    }

    private void probe(Child c, long pid, SocketAddress address, long deadline, long retryMillis,
                       LaunchListener listener) {
        if (c.reaper.exited()) {
            return; // the exit event tells the pool
        }
        try {
            new GetValuesProbe(ch -> c.probeChannel = ch).probe(address);
            c.probeChannel = null;
            if (config.convention() == SocketConvention.BIND) {
                RuntimeDirectory.restrictSocket(c.socketPath);
            }
            c.ready = true;
            listener.ready(c.id);
        } catch (IOException | RuntimeException e) {
            c.probeChannel = null;
            if (c.reaper.exited()) {
                return;
            }
            long now = System.nanoTime();
            boolean mayNotListenYet = config.convention() != SocketConvention.FD0;
            if (mayNotListenYet && now - deadline < 0) {
                long next = Math.min(retryMillis * 2, MAX_RETRY_MILLIS);
                scheduler.schedule(() -> probes.execute(() -> probe(c, pid, address, deadline, next, listener)),
                        retryMillis, TimeUnit.MILLISECONDS);
                return;
            }
            listener.startFailed(c.id, "readiness probe of pid " + pid + " failed: " + e);
        }
    }

    @Override
    public void signal(long childId, Signal signal) {
        Child c = children.get(childId);
        if (c == null) {
            return;
        }
        synchronized (c) {
            if (c.reaper == null) {
                c.killBeforeSpawn = true;
                return;
            }
            if (c.reaper.signal(signal)) {
                log.debug("[pool {}] sent SIG{} to child {}", config.name(), signal, c.pid);
            }
        }
    }

    @Override
    public long rssKb(long childId) {
        Child c = children.get(childId);
        return c == null || c.pid == 0 ? 0 : ProcStatus.rssKb(c.pid);
    }

    private void deleteSocket(Child c) {
        if (c.socketPath != null) {
            try {
                Files.deleteIfExists(c.socketPath);
            } catch (IOException e) {
                log.warn("[pool {}] cannot delete {}: {}", config.name(), c.socketPath, e.toString());
            }
        }
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            log.debug("closing probe channel: {}", e.toString());
        }
    }
}
