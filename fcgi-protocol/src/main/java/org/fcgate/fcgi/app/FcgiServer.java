package org.fcgate.fcgi.app;

import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.Role;

/**
 * The application-role runtime: accepts FastCGI connections and runs an {@link FcgiHandler} for each request.
 *
 * <p>Serves <em>one connection at a time and one request at a time</em>, as php-cgi does: handlers are assumed
 * non-thread-safe, and GET_VALUES says so (FCGI_MAX_CONNS=1, FCGI_MAX_REQS=1, FCGI_MPXS_CONNS=0). Further
 * connections wait in the listen backlog; a second BEGIN_REQUEST on a busy connection gets CANT_MPX_CONN. Each
 * connection has a reader thread (so ABORT_REQUEST reaches a handler that is computing) beside the serving thread
 * that runs the handler; see {@link ConnectionReader}.
 *
 * <p>Lifecycle: {@link Builder#build()} binds ({@code BOUND}) → {@link #serve()} on the calling thread, or
 * {@link #start()} on a new one ({@code SERVING}) → {@link #stop()} ({@code STOPPING}: no new connection or request;
 * the request in progress finishes) → {@code STOPPED} when the accept loop returned. A peer that breaks the protocol
 * loses its connection with one log line and the server accepts the next one.
 */
public final class FcgiServer implements Closeable {

    /** Where the server is in its lifecycle. */
    public enum State { BOUND, SERVING, STOPPING, STOPPED }

    private static final System.Logger LOG = System.getLogger(FcgiServer.class.getName());

    private final ServerSettings settings;
    private final FcgiEndpoint endpoint;
    private final ServerSocketChannel listener;
    private final ReentrantLock requestLock = new ReentrantLock();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong requestsServed = new AtomicLong();
    private final AtomicLong protocolErrors = new AtomicLong();
    private volatile State state = State.BOUND;
    private volatile boolean stopping;
    private volatile ServerConnection current;
    private boolean listenerClosed;

    private FcgiServer(ServerSettings settings, FcgiEndpoint endpoint) throws IOException {
        this.settings = settings;
        this.endpoint = endpoint;
        this.listener = endpoint.open();
        listener.configureBlocking(true);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The bound address: the real port when the endpoint asked for port 0. */
    public SocketAddress localAddress() throws IOException {
        return listener.getLocalAddress();
    }

    public State state() {
        return state;
    }

    /** Accepts and serves connections on the calling thread until {@link #stop()}. */
    public void serve() throws IOException {
        synchronized (this) {
            if (state != State.BOUND) {
                throw new IllegalStateException("state: " + state);
            }
            state = State.SERVING;
        }
        try {
            while (!stopping) {
                SocketChannel channel;
                try {
                    channel = listener.accept();
                } catch (ClosedChannelException e) {
                    if (stopping) {
                        break; // stop() closed the listener
                    }
                    throw e;
                }
                ServerConnection c = new ServerConnection(channel, connections.incrementAndGet(), settings, this);
                current = c;
                if (stopping) {
                    c.wake();
                }
                c.serve();
                current = null;
            }
        } finally {
            closeListener();
            state = State.STOPPED;
        }
    }

    /** Runs {@link #serve()} on a new non-daemon thread named {@code fcgi-server}; failures are logged. */
    public Thread start() {
        Thread t = new Thread(() -> {
            try {
                serve();
            } catch (IOException e) {
                LOG.log(Level.ERROR, "FastCGI server stopped accepting", e);
            }
        }, "fcgi-server");
        t.start();
        return t;
    }

    /**
     * Stops accepting, lets the request in progress finish, and returns when it has (not waiting for
     * {@link FcgiResponse#afterEnd} actions). Idempotent and safe from any thread; called inside a handler it returns
     * at once and the server stops after that request. A handler that never returns makes it wait forever: a process
     * manager's SIGKILL after its grace period is the remedy.
     */
    public void stop() throws IOException {
        synchronized (this) {
            if (state == State.STOPPED || stopping) {
                return;
            }
            stopping = true;
            if (state == State.BOUND) {
                state = State.STOPPED;
                closeListener();
                return;
            }
            state = State.STOPPING;
        }
        // Also here, not only when serve() returns: after System.exit on the serving thread it never does.
        closeListener();
        ServerConnection c = current;
        if (c != null) {
            c.wake();
        }
        requestLock.lock(); // waits for the request in progress
        requestLock.unlock();
    }

    private synchronized void closeListener() throws IOException {
        if (listenerClosed) {
            return;
        }
        listenerClosed = true;
        try {
            listener.close();
        } finally {
            endpoint.release();
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() throws IOException {
        stop();
    }

    /** Installs a shutdown hook (SIGTERM, SIGINT, System.exit) that calls {@link #stop()}. */
    public FcgiServer stopOnShutdown() {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                stop();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "closing the listening socket on shutdown failed", e);
            }
        }, "fcgi-shutdown"));
        return this;
    }

    public long requestsServed() {
        return requestsServed.get();
    }

    /** Connections closed because the peer broke the protocol. */
    public long protocolErrors() {
        return protocolErrors.get();
    }

    public long connectionsAccepted() {
        return connections.get();
    }

    /** Serving thread: false when stopping (the request is not served); else holds the request lock. */
    boolean beginRequest() {
        requestLock.lock();
        if (stopping) {
            requestLock.unlock();
            return false;
        }
        return true;
    }

    void endRequest() {
        requestLock.unlock();
    }

    void requestServed() {
        requestsServed.incrementAndGet();
    }

    void protocolError() {
        protocolErrors.incrementAndGet();
    }

    /** Configures and binds a server. */
    public static final class Builder {
        private FcgiHandler handler;
        private FcgiEndpoint endpoint;
        private FcgiLimits limits = FcgiLimits.DEFAULTS;
        private Set<Role> roles = EnumSet.of(Role.RESPONDER);
        private int outputBufferSize = 32 * 1024;
        private int bodyBufferSize = 64 * 1024;

        private Builder() {
        }

        public Builder handler(FcgiHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        public Builder endpoint(FcgiEndpoint endpoint) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
            return this;
        }

        public Builder limits(FcgiLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Roles served (default RESPONDER only). FILTER is refused here: its DATA stream is not exposed to handlers.
         */
        public Builder roles(Role first, Role... more) {
            EnumSet<Role> set = EnumSet.of(first, more);
            if (set.contains(Role.FILTER)) {
                throw new IllegalArgumentException("the FILTER role is not supported (no DATA stream in FcgiRequest)");
            }
            this.roles = set;
            return this;
        }

        /** STDOUT bytes buffered before records are sent: 1 KiB..1 MiB, default 32 KiB. */
        public Builder outputBufferSize(int bytes) {
            this.outputBufferSize = checkSize("outputBufferSize", bytes);
            return this;
        }

        /** Request body bytes read ahead of the handler: 1 KiB..1 MiB, default 64 KiB. */
        public Builder bodyBufferSize(int bytes) {
            this.bodyBufferSize = checkSize("bodyBufferSize", bytes);
            return this;
        }

        /** Binds the endpoint. */
        public FcgiServer build() throws IOException {
            if (handler == null || endpoint == null) {
                throw new IllegalStateException("handler and endpoint are required");
            }
            return new FcgiServer(new ServerSettings(handler, limits, roles, outputBufferSize, bodyBufferSize),
                    endpoint);
        }

        private static int checkSize(String name, int bytes) {
            if (bytes < 1024 || bytes > 1024 * 1024) {
                throw new IllegalArgumentException(name + " must be 1024..1048576, got " + bytes);
            }
            return bytes;
        }
    }
}
