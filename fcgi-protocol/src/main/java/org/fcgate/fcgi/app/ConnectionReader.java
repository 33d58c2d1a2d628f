package org.fcgate.fcgi.app;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.Role;

/**
 * The reader thread of one connection: reads and decodes records, answers management records and refusals itself,
 * hands a request to the serving thread once its PARAMS are complete, then streams its STDIN into the body pipe.
 * Because it keeps reading while the handler runs, FCGI_ABORT_REQUEST reaches a handler that is still computing.
 *
 * <p>The decoder is confined to this thread. The serving thread reports a finished request with {@link #completed},
 * which this thread applies after each read and before decoding: the serving thread queues the completion before it
 * writes END_REQUEST, and the web server reuses the id only after reading END_REQUEST, so the id is free by the time
 * its next BEGIN_REQUEST is decoded. Replies are collected during a feed and written after it, since the decoder's
 * callbacks may not throw {@link IOException}.
 */
final class ConnectionReader implements RequestListener, Runnable {

    /** §4.1: one connection, one request at a time, no multiplexing. */
    private static final Map<String, String> VALUES =
            Map.of(Fcgi.MAX_CONNS, "1", Fcgi.MAX_REQS, "1", Fcgi.MPXS_CONNS, "0");

    private interface Reply {
        void send() throws IOException;
    }

    private final ServerConnection connection;
    private final ReadableByteChannel channel;
    private final RecordWriter writer;
    private final ServerSettings settings;
    private final ApplicationRequestDecoder decoder;
    /** Not a request id (1..65535): {@link #wake} puts it in so that {@link #awaitCompletion} returns. */
    private static final int WAKE = -1;

    private final BlockingQueue<Integer> completions = new LinkedBlockingQueue<>();
    private final List<Reply> replies = new ArrayList<>();
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private Exchange current;
    private boolean handedOver;

    ConnectionReader(ServerConnection connection, ReadableByteChannel channel, RecordWriter writer,
                     ServerSettings settings) {
        this.connection = connection;
        this.channel = channel;
        this.writer = writer;
        this.settings = settings;
        this.decoder = new ApplicationRequestDecoder(settings.limits(), this);
    }

    /** Serving thread: END_REQUEST for {@code requestId} is about to be written. */
    void completed(int requestId) {
        completions.add(requestId);
    }

    @Override
    public void run() {
        try {
            readLoop();
            connection.inputEnded();
        } catch (FcgiProtocolException e) {
            connection.protocolError(e);
            lost(e);
        } catch (IOException e) {
            connection.failed("read failed", e);
            lost(e);
        } catch (RuntimeException e) {
            connection.bug("reader failed", e);
            lost(e);
        }
    }

    private void readLoop() throws IOException {
        while (true) {
            buffer.clear();
            int n = channel.read(buffer);
            applyCompletions();
            if (n < 0) {
                decoder.endOfInput();
                return;
            }
            decoder.feed(buffer.flip());
            for (Reply r : replies) {
                r.send();
            }
            replies.clear();
        }
    }

    /** Any thread: the connection closed; a reader waiting in {@link #awaitCompletion} gives up. */
    void wake() {
        completions.add(WAKE);
    }

    private void applyCompletions() {
        Integer id;
        while ((id = completions.poll()) != null) {
            apply(id);
        }
    }

    private void apply(int id) {
        if (id == WAKE) {
            return;
        }
        decoder.complete(id);
        if (current != null && current.requestId() == id) {
            current = null;
        }
    }

    /**
     * The web server wrote its next request before the current one's END_REQUEST (fcgate's {@code write_ahead}): the
     * handler has the whole input, so this thread waits for it to complete, then decodes the next BEGIN_REQUEST. An
     * ABORT_REQUEST for the current request, sent after the next one, is read only then; a server that writes ahead
     * aborts by closing the connection, which the handler sees when it writes.
     */
    @Override
    public boolean awaitCompletion(int requestId) {
        if (current == null || current.requestId() != requestId) {
            return false;
        }
        try {
            while (!connection.isClosed()) {
                int id = completions.take();
                apply(id);
                if (id == requestId) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private void lost(Exception cause) {
        if (current != null && handedOver) {
            current.abort("connection lost: " + cause.getMessage());
        }
        connection.inputEnded();
    }

    @Override
    public void onBeginRequest(int requestId, Role role, int roleCode, boolean keepConn) {
        if (current != null) {
            refuse(requestId, ProtocolStatus.CANT_MPX_CONN);
        } else if (role == null || !settings.roles().contains(role)) {
            refuse(requestId, ProtocolStatus.UNKNOWN_ROLE);
        } else {
            current = new Exchange(requestId, role, keepConn, writer, settings);
            handedOver = false;
        }
    }

    /** Ends a request the handler never sees; the decoder then drops the rest of its records. */
    private void refuse(int requestId, ProtocolStatus status) {
        decoder.complete(requestId);
        replies.add(() -> writer.endRequest(requestId, 0, status));
    }

    @Override
    public void onParams(int requestId, Params params) {
        current(requestId).params(params);
        handedOver = true;
        connection.requestReady(current);
    }

    @Override
    public void onStdin(int requestId, ByteBuffer chunk) {
        current(requestId).body().offer(chunk);
    }

    @Override
    public void onStdinEnd(int requestId) {
        current(requestId).body().end();
    }

    @Override
    public void onAbort(int requestId) {
        Exchange e = current(requestId);
        if (handedOver) {
            e.abort("FCGI_ABORT_REQUEST");
        } else {
            // §5.4: the handler never started; END_REQUEST is the whole answer.
            current = null;
            refuse(requestId, ProtocolStatus.REQUEST_COMPLETE);
        }
    }

    @Override
    public void onGetValues(Params query) {
        Params.Builder answer = Params.builder();
        for (Params.Pair p : query.pairs()) {
            String value = VALUES.get(p.nameString());
            if (value != null) {
                answer.add(p.nameString(), value);
            }
        }
        Params values = answer.build();
        replies.add(() -> writer.getValuesResult(values));
    }

    @Override
    public void onUnknownManagementRecord(int type) {
        replies.add(() -> writer.unknownType(type));
    }

    private Exchange current(int requestId) {
        if (current == null || current.requestId() != requestId) {
            // The decoder drops records of refused and completed ids, so this is a bug here, not the peer's.
            throw new IllegalStateException("record for request " + requestId + " while serving "
                    + (current == null ? "none" : current.requestId()));
        }
        return current;
    }
}
