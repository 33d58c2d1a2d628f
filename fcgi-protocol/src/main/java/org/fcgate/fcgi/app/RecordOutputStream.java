package org.fcgate.fcgi.app;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import org.fcgate.fcgi.protocol.RecordType;

/**
 * One output stream of a request (STDOUT or STDERR), buffered and sent as records of at most 65535 content bytes.
 *
 * <p>Lifecycle: {@code OPEN} (writes fill the buffer, a full buffer or {@link #flush} sends it) → {@link #end} writes
 * the rest and the stream's empty record ({@code ENDED}; further writes are misuse). {@link #discard}, called from the
 * reader thread on FCGI_ABORT_REQUEST, makes every later write and flush a no-op: the web server no longer wants
 * the output (§5.4). Writes are made by the serving thread only.
 */
final class RecordOutputStream extends OutputStream {

    private final RecordWriter writer;
    private final RecordType type;
    private final int requestId;
    private final byte[] buffer;
    private int count;
    private boolean sent;
    private boolean ended;
    private volatile boolean discarding;

    RecordOutputStream(RecordWriter writer, RecordType type, int requestId, int bufferSize) {
        this.writer = writer;
        this.type = type;
        this.requestId = requestId;
        this.buffer = new byte[bufferSize];
    }

    @Override
    public void write(int b) throws IOException {
        checkOpen();
        if (count == buffer.length) {
            flushBuffer();
        }
        buffer[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        checkOpen();
        if (len > buffer.length - count) {
            flushBuffer();
        }
        if (len >= buffer.length) {
            if (!discarding) {
                sent = true;
                writer.stream(type, requestId, b, off, len);
            }
            return;
        }
        System.arraycopy(b, off, buffer, count, len);
        count += len;
    }

    @Override
    public void flush() throws IOException {
        checkOpen();
        flushBuffer();
    }

    /** Flushes only: the stream's end is the server's business, after the handler returned. */
    @Override
    public void close() throws IOException {
        if (!ended) {
            flushBuffer();
        }
    }

    /** Drops buffered bytes if none reached the socket yet; true if the stream is then as good as new. */
    boolean resetUnsent() {
        if (sent) {
            return false;
        }
        count = 0;
        return true;
    }

    /** True once some bytes were handed to the socket. */
    boolean anySent() {
        return sent;
    }

    /** From now on output goes nowhere (the request was aborted). Safe from any thread. */
    void discard() {
        discarding = true;
    }

    /** Sends what is buffered and the empty record that ends the stream. */
    void end() throws IOException {
        checkOpen();
        flushBuffer();
        ended = true;
        writer.endOfStream(type, requestId);
    }

    private void flushBuffer() throws IOException {
        if (count == 0) {
            return;
        }
        int n = count;
        count = 0;
        if (!discarding) {
            sent = true;
            writer.stream(type, requestId, buffer, 0, n);
        }
    }

    private void checkOpen() {
        if (ended) {
            throw new IllegalStateException("state: ENDED (" + type + " of request " + requestId + ")");
        }
    }
}
