package org.fcgate.pool.spawn;

import java.io.ByteArrayOutputStream;
import java.util.function.Consumer;

/**
 * Splits a child's output stream into lines, however the bytes arrive. A line longer than {@code maxBytes}
 * is kept whole up to the limit and the rest up to its newline is counted, never emitted as a second line
 * (no wrapping). A trailing CR (CRLF endings) is dropped. Not thread-safe: one per stream.
 */
public final class LineAssembler {

    /** One line of output; {@code droppedBytes} &gt; 0 when it was truncated. */
    public record Line(byte[] bytes, long droppedBytes) {
    }

    private final int maxBytes;
    private final Consumer<Line> sink;
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();
    private long dropped;

    public LineAssembler(int maxBytes, Consumer<Line> sink) {
        this.maxBytes = maxBytes;
        this.sink = sink;
    }

    public void feed(byte[] buf, int off, int len) {
        for (int i = off; i < off + len; i++) {
            byte b = buf[i];
            if (b == '\n') {
                emit();
            } else if (current.size() < maxBytes) {
                current.write(b);
            } else {
                dropped++;
            }
        }
    }

    /** End of stream: emits a final unterminated line, if any. */
    public void finish() {
        if (current.size() > 0 || dropped > 0) {
            emit();
        }
    }

    private void emit() {
        byte[] bytes = current.toByteArray();
        if (dropped == 0 && bytes.length > 0 && bytes[bytes.length - 1] == '\r') {
            bytes = java.util.Arrays.copyOf(bytes, bytes.length - 1);
        }
        sink.accept(new Line(bytes, dropped));
        current.reset();
        dropped = 0;
    }
}
