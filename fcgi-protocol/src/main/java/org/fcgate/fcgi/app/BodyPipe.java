package org.fcgate.fcgi.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The request body as the handler reads it: a bounded ring of bytes that the connection's reader thread fills with
 * STDIN content as it arrives, and the serving thread drains.
 *
 * <p>Lifecycle: {@code OPEN} (the reader {@link #offer}s, blocking while the ring is full, which stops reading the
 * socket: backpressure) → {@code ENDED} by the empty STDIN record (reads drain, then return -1), or {@code FAILED} by
 * {@link #fail} (abort or lost connection: reads throw at once, offers are dropped) → {@code CLOSED} by {@link #close}
 * when the handler returned (reads throw, offers are dropped, so a blocked reader thread is released).
 */
final class BodyPipe extends InputStream {

    private enum State { OPEN, ENDED, FAILED, CLOSED }

    private final byte[] ring;
    private int head;
    private int count;
    private State state = State.OPEN;
    private IOException failure;

    BodyPipe(int capacity) {
        this.ring = new byte[capacity];
    }

    /**
     * Appends all of {@code chunk}, waiting for room; drops it once the pipe failed or closed. The wait ignores
     * interrupts (and restores the flag): {@link #fail} and {@link #close} are what end it.
     */
    synchronized void offer(ByteBuffer chunk) {
        if (state == State.ENDED) {
            throw new IllegalStateException("state: " + state);
        }
        boolean interrupted = false;
        while (chunk.hasRemaining() && state == State.OPEN) {
            if (count == ring.length) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
                continue;
            }
            int tail = (head + count) % ring.length;
            int n = Math.min(chunk.remaining(), Math.min(ring.length - count, ring.length - tail));
            chunk.get(ring, tail, n);
            count += n;
            notifyAll();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The empty STDIN record arrived. */
    synchronized void end() {
        if (state == State.OPEN) {
            state = State.ENDED;
            notifyAll();
        }
    }

    /** No more body will come and the handler should stop: later reads throw {@code cause}. */
    synchronized void fail(IOException cause) {
        if (state == State.OPEN || state == State.ENDED) {
            state = State.FAILED;
            failure = cause;
            count = 0;
            notifyAll();
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public synchronized int read(byte[] dst, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, dst.length);
        if (len == 0) {
            return 0;
        }
        while (count == 0 && state == State.OPEN) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the request body");
            }
        }
        switch (state) {
            case FAILED -> throw failure;
            case CLOSED -> throw new IOException("request body stream closed");
            default -> {
            }
        }
        if (count == 0) {
            return -1;
        }
        int n = Math.min(len, Math.min(count, ring.length - head));
        System.arraycopy(ring, head, dst, off, n);
        head = (head + n) % ring.length;
        count -= n;
        notifyAll();
        return n;
    }

    @Override
    public synchronized int available() {
        return count;
    }

    /** Discards what is left; offers are dropped from now on. */
    @Override
    public synchronized void close() {
        state = State.CLOSED;
        count = 0;
        notifyAll();
    }
}
