package org.fcgate.fcgi.app;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.ProtocolStatus;

/**
 * One accepted connection, served on the calling (serving) thread with a {@link ConnectionReader} thread beside it.
 *
 * <p>Lifecycle: {@link #serve} starts the reader, then takes events: each ready request is run to its END_REQUEST;
 * the connection closes after a request without FCGI_KEEP_CONN (§5.1), when the input ended (after finishing the
 * request in progress), when the server stops, or at once when the peer broke the protocol (one log line). Whoever
 * closes first for an error logs; everyone else stays quiet.
 */
final class ServerConnection {

    private static final System.Logger LOG = System.getLogger(FcgiServer.class.getName());

    private sealed interface Event permits RequestReady, Closed {
    }

    private record RequestReady(Exchange exchange) implements Event {
    }

    private record Closed() implements Event {
    }

    private final SocketChannel channel;
    private final long number;
    private final ServerSettings settings;
    private final FcgiServer server;
    private final RecordWriter writer;
    private final ConnectionReader reader;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    ServerConnection(SocketChannel channel, long number, ServerSettings settings, FcgiServer server) {
        this.channel = channel;
        this.number = number;
        this.settings = settings;
        this.server = server;
        this.writer = new RecordWriter(channel);
        this.reader = new ConnectionReader(this, channel, writer, settings);
    }

    /** Serves requests until the connection closes; returns after the reader thread ended. */
    void serve() {
        Thread readerThread = new Thread(reader, "fcgi-conn-" + number + "-reader");
        readerThread.setDaemon(true);
        readerThread.start();
        try {
            loop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            close();
            List<Event> left = new ArrayList<>();
            events.drainTo(left);
            for (Event e : left) {
                if (e instanceof RequestReady r) {
                    r.exchange().body().close(); // releases a reader blocked on a body nobody will read
                }
            }
            joinUninterruptibly(readerThread);
        }
    }

    private void loop() throws InterruptedException {
        while (true) {
            if (!(events.take() instanceof RequestReady ready)) {
                return;
            }
            Exchange exchange = ready.exchange();
            if (!server.beginRequest()) {
                exchange.body().close(); // stopping: this request is not served
                return;
            }
            boolean written;
            try {
                written = respond(exchange);
            } finally {
                server.endRequest();
            }
            exchange.runAfterEnd();
            if (!written || !exchange.keepConn()) {
                return;
            }
        }
    }

    private boolean respond(Exchange exchange) {
        try {
            int appStatus = exchange.run(settings.handler());
            // The response's tail, the streams' ends and END_REQUEST go out in one write (see RecordWriter).
            writer.cork();
            exchange.end();
            reader.completed(exchange.requestId());
            writer.endRequest(exchange.requestId(), appStatus, ProtocolStatus.REQUEST_COMPLETE);
            writer.uncork();
            server.requestServed();
            return true;
        } catch (IOException e) {
            failed("writing the response to request " + exchange.requestId() + " failed", e);
            return false;
        }
    }

    /** Reader thread: a request's PARAMS are complete. */
    void requestReady(Exchange exchange) {
        events.add(new RequestReady(exchange));
    }

    /** Reader thread: no more input (end of stream or failure); the serving loop ends after the current request. */
    void inputEnded() {
        events.add(new Closed());
    }

    /** Any thread: the server is stopping; an idle connection closes now, a busy one after its request. */
    void wake() {
        events.add(new Closed());
    }

    /** Reader thread: the peer broke the protocol. Counted, logged once, closed at once. */
    void protocolError(FcgiProtocolException e) {
        server.protocolError();
        if (close()) {
            LOG.log(Level.WARNING, "closing FastCGI connection " + number + ": " + e.getMessage());
        }
    }

    /** An I/O failure; quiet when the connection was already closed on purpose. */
    void failed(String what, IOException e) {
        if (close()) {
            LOG.log(Level.WARNING, "closing FastCGI connection " + number + ": " + what + ": " + e);
        }
    }

    /** A bug in this package: logged with its stack trace. */
    void bug(String what, RuntimeException e) {
        close();
        LOG.log(Level.ERROR, "closing FastCGI connection " + number + ": " + what, e);
    }

    boolean isClosed() {
        return closed.get();
    }

    /** Closes the channel; true for the one call that did. */
    private boolean close() {
        if (!closed.compareAndSet(false, true)) {
            return false;
        }
        reader.wake();
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "closing FastCGI connection " + number + " failed: " + e);
        }
        return true;
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
