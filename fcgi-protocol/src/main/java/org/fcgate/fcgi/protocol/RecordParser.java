package org.fcgate.fcgi.protocol;

import java.nio.ByteBuffer;

/**
 * Incremental push parser for the record layer (FastCGI 1.0 §3.3): an 8-byte header, content bounded by the
 * header's contentLength, then paddingLength bytes of any value (lenient in).
 *
 * <p>Lifecycle:
 * <ol>
 *   <li>{@link #feed} any number of times with whatever bytes arrived; the result does not depend on how the
 *       input is split.</li>
 *   <li>{@link #endOfInput} when the peer closed: fails with {@code TRUNCATED} inside a record.</li>
 *   <li>After any {@link FcgiProtocolException} (its own or the listener's) the parser is {@code FAILED} and
 *       refuses input with {@link IllegalStateException}: the connection must be closed.</li>
 * </ol>
 * Not thread-safe: one parser per connection, fed by one thread at a time.
 */
public final class RecordParser {

    private enum State { HEADER, CONTENT, PADDING, FAILED, CLOSED }

    private final RecordListener listener;
    private final byte[] headerBytes = new byte[Fcgi.HEADER_LEN];
    private final ByteBuffer headerBuffer = ByteBuffer.wrap(headerBytes);
    private State state = State.HEADER;
    private RecordHeader header;
    private int contentLeft;
    private int paddingLeft;
    private long offset;
    private long recordOffset;

    public RecordParser(RecordListener listener) {
        this.listener = listener;
    }

    /** Consumes every remaining byte of {@code src}, calling the listener for what completes. */
    public void feed(ByteBuffer src) throws FcgiProtocolException {
        if (state == State.FAILED || state == State.CLOSED) {
            throw new IllegalStateException("state: " + state);
        }
        try {
            while (src.hasRemaining()) {
                switch (state) {
                    case HEADER -> readHeader(src);
                    case CONTENT -> readContent(src);
                    case PADDING -> skipPadding(src);
                    default -> throw new IllegalStateException("state: " + state);
                }
            }
        } catch (FcgiProtocolException e) {
            state = State.FAILED;
            throw e;
        }
    }

    /** The peer closed the stream; fails if that cut a record short. */
    public void endOfInput() throws FcgiProtocolException {
        if (state == State.FAILED || state == State.CLOSED) {
            throw new IllegalStateException("state: " + state);
        }
        boolean clean = state == State.HEADER && headerBuffer.position() == 0;
        if (!clean) {
            int type = header != null && state != State.HEADER ? header.type() : -1;
            int id = header != null && state != State.HEADER ? header.requestId() : -1;
            state = State.FAILED;
            throw new FcgiProtocolException(FcgiProtocolException.Reason.TRUNCATED,
                    "stream ended inside a record", id, type, offset);
        }
        state = State.CLOSED;
    }

    /** Bytes consumed so far: the offset of the next byte. */
    public long offset() {
        return offset;
    }

    /** True between records, where the stream may end cleanly. */
    public boolean atRecordBoundary() {
        return state == State.HEADER && headerBuffer.position() == 0;
    }

    private void readHeader(ByteBuffer src) throws FcgiProtocolException {
        if (headerBuffer.position() == 0 && src.remaining() >= Fcgi.HEADER_LEN) {
            recordOffset = offset;
            checkVersion(src.get(src.position()) & 0xFF);
            header = RecordHeader.read(src);
            offset += Fcgi.HEADER_LEN;
        } else {
            if (headerBuffer.position() == 0) {
                recordOffset = offset;
                checkVersion(src.get(src.position()) & 0xFF);
            }
            while (headerBuffer.hasRemaining() && src.hasRemaining()) {
                headerBuffer.put(src.get());
                offset++;
            }
            if (headerBuffer.hasRemaining()) {
                return;
            }
            headerBuffer.flip();
            header = RecordHeader.read(headerBuffer);
            headerBuffer.clear();
        }
        contentLeft = header.contentLength();
        paddingLeft = header.paddingLength();
        listener.onRecordStart(header, recordOffset);
        state = State.CONTENT;
        if (contentLeft == 0) {
            endContent();
        }
    }

    private void checkVersion(int version) throws FcgiProtocolException {
        if (version != Fcgi.VERSION_1) {
            throw new FcgiProtocolException(FcgiProtocolException.Reason.UNSUPPORTED_VERSION,
                    "unsupported FastCGI version " + version, -1, -1, offset);
        }
    }

    private void readContent(ByteBuffer src) throws FcgiProtocolException {
        int n = Math.min(contentLeft, src.remaining());
        int oldLimit = src.limit();
        int end = src.position() + n;
        src.limit(end);
        ByteBuffer chunk = src.slice();
        src.limit(oldLimit);
        src.position(end);
        contentLeft -= n;
        offset += n;
        listener.onContent(header, chunk);
        if (contentLeft == 0) {
            endContent();
        }
    }

    private void endContent() throws FcgiProtocolException {
        if (paddingLeft == 0) {
            finishRecord();
        } else {
            state = State.PADDING;
        }
    }

    private void skipPadding(ByteBuffer src) throws FcgiProtocolException {
        int n = Math.min(paddingLeft, src.remaining());
        src.position(src.position() + n);
        paddingLeft -= n;
        offset += n;
        if (paddingLeft == 0) {
            finishRecord();
        }
    }

    private void finishRecord() throws FcgiProtocolException {
        state = State.HEADER;
        RecordHeader done = header;
        listener.onRecordEnd(done);
    }

    /** Offset of the first byte of the record being parsed (or last parsed). */
    public long recordOffset() {
        return recordOffset;
    }
}
