package org.fcgate.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.error.Reason;
import org.fcgate.gateway.error.RejectedException;

/**
 * Push state machine for one HTTP/1.1 request at a time, independent of Netty's pipeline so it can be fed byte by
 * byte in tests. It emits a {@link RequestHead}, then {@link io.netty.handler.codec.http.HttpContent} pieces, then one
 * {@link LastHttpContent}, and stops in {@link State#DONE} until {@link #reset()}: bytes after the request stay
 * unread in the caller's buffer, which is how the gateway serves a pipeline strictly one request at a time.
 *
 * <p>Lifecycle: REQUEST_LINE → HEADERS → (FIXED_BODY | CHUNK_SIZE ⇄ CHUNK_DATA → CHUNK_CRLF … → TRAILERS)? → DONE.
 * Any {@link RejectedException} leaves the framer unusable; the caller answers and closes.
 */
final class RequestFramer {

    enum State { REQUEST_LINE, HEADERS, FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_CRLF, TRAILERS, DONE }

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final int MAX_LEADING_EMPTY_LINES = 8;
    private static final int MAX_CHUNK_SIZE_HEX_DIGITS = 15;

    /** Field names and values are checked by {@link HeadParser} before they are added. */
    private static final DefaultHttpHeadersFactory FIELDS = DefaultHttpHeadersFactory.headersFactory()
            .withValidation(false);

    private final HttpLimits limits;
    private State state = State.REQUEST_LINE;
    /** Bytes already searched for LF in the current line, relative to the reader index. */
    private int scanned;
    private int emptyLines;
    private int sectionBytes;
    private int sectionLines;
    private HeadParser.RequestLine requestLine;
    /** The current section's fields, made at its first line: an idle keep-alive connection holds none. */
    private HttpHeaders fields;
    private long remaining;
    private long bodyBytes;

    RequestFramer(HttpLimits limits) {
        this.limits = limits;
        reset();
    }

    State state() {
        return state;
    }

    /** No byte of the next request has been consumed yet. */
    boolean betweenRequests() {
        return state == State.REQUEST_LINE && emptyLines == 0 && scanned == 0;
    }

    void reset() {
        state = State.REQUEST_LINE;
        scanned = 0;
        emptyLines = 0;
        requestLine = null;
        beginSection();
        bodyBytes = 0;
        remaining = 0;
    }

    /** Consumes what it can of {@code in}; returns when more bytes are needed or the request is complete. */
    void decode(ByteBuf in, List<Object> out) throws RejectedException {
        while (state != State.DONE && in.isReadable()) {
            boolean progressed = switch (state) {
                case REQUEST_LINE, HEADERS, CHUNK_SIZE, TRAILERS -> line(in, out);
                case FIXED_BODY -> fixedBody(in, out);
                case CHUNK_DATA -> chunkData(in, out);
                case CHUNK_CRLF -> chunkCrlf(in);
                case DONE -> false;
            };
            if (!progressed) {
                return;
            }
        }
    }

    private boolean line(ByteBuf in, List<Object> out) throws RejectedException {
        int start = in.readerIndex();
        int lf = in.indexOf(start + scanned, in.writerIndex(), LF);
        if (lf < 0) {
            scanned = in.readableBytes();
            checkPartialLine(scanned);
            return false;
        }
        scanned = 0;
        if (lf == start || in.getByte(lf - 1) != CR) {
            throw new RejectedException(Reason.BARE_LF);
        }
        int end = lf - 1;
        if (in.indexOf(start, end, CR) >= 0) {
            throw new RejectedException(Reason.BARE_CR);
        }
        checkCompleteLine(end - start, lf + 1 - start);
        switch (state) {
            case REQUEST_LINE -> requestLine(in, start, end);
            case HEADERS -> fieldLine(in, start, end, out);
            case CHUNK_SIZE -> chunkSize(in, start, end, out);
            case TRAILERS -> trailerLine(in, start, end, out);
            default -> throw new IllegalStateException("state: " + state);
        }
        in.readerIndex(lf + 1);
        return true;
    }

    private void checkPartialLine(int lineBytes) throws RejectedException {
        switch (state) {
            case REQUEST_LINE -> {
                if (lineBytes > limits.maxRequestLineBytes() + 1) {
                    throw new RejectedException(Reason.REQUEST_LINE_TOO_LONG);
                }
            }
            case HEADERS, TRAILERS -> {
                if (sectionBytes + lineBytes > limits.maxHeaderBytes()) {
                    throw new RejectedException(Reason.HEADERS_TOO_LARGE);
                }
            }
            case CHUNK_SIZE -> {
                if (lineBytes > limits.maxChunkLineBytes() + 1) {
                    throw new RejectedException(Reason.BAD_CHUNK);
                }
            }
            default -> throw new IllegalStateException("state: " + state);
        }
    }

    private void checkCompleteLine(int contentBytes, int lineBytes) throws RejectedException {
        if (state == State.REQUEST_LINE) {
            checkPartialLine(contentBytes);
        } else if (state == State.CHUNK_SIZE) {
            checkPartialLine(contentBytes);
        } else {
            sectionBytes += lineBytes;
            checkPartialLine(0);
        }
    }

    private void requestLine(ByteBuf in, int start, int end) throws RejectedException {
        if (start == end) {
            // RFC 9112 §2.2: empty lines before the request line are tolerated (a few), nothing else is.
            if (++emptyLines > MAX_LEADING_EMPTY_LINES) {
                throw new RejectedException(Reason.LEADING_GARBAGE);
            }
            return;
        }
        requestLine = HeadParser.parseRequestLine(in, start, end);
        state = State.HEADERS;
    }

    private void fieldLine(ByteBuf in, int start, int end, List<Object> out) throws RejectedException {
        if (start == end) {
            RequestHead head = HeadValidator.validate(requestLine, fields(), limits);
            out.add(head);
            startBody(head.framing(), out);
            return;
        }
        countLine();
        HeadParser.parseFieldLine(in, start, end, fields());
    }

    private void startBody(BodyFraming framing, List<Object> out) {
        if (framing instanceof BodyFraming.Fixed f) {
            remaining = f.length();
            state = State.FIXED_BODY;
        } else if (framing instanceof BodyFraming.Chunked) {
            state = State.CHUNK_SIZE;
        } else {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            state = State.DONE;
        }
    }

    private boolean fixedBody(ByteBuf in, List<Object> out) {
        int n = (int) Math.min(remaining, in.readableBytes());
        out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
        remaining -= n;
        if (remaining == 0) {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            state = State.DONE;
        }
        return true;
    }

    /** chunk = chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1); extensions are syntax-checked and ignored. */
    private void chunkSize(ByteBuf in, int start, int end, List<Object> out) throws RejectedException {
        long size = 0;
        int i = start;
        for (; i < end; i++) {
            int digit = Character.digit((char) in.getByte(i), 16);
            if (digit < 0) {
                break;
            }
            if (i - start >= MAX_CHUNK_SIZE_HEX_DIGITS) {
                throw new RejectedException(Reason.BAD_CHUNK);
            }
            size = size << 4 | digit;
        }
        if (i == start) {
            throw new RejectedException(Reason.BAD_CHUNK);
        }
        for (int j = i; j < end; j++) {
            byte b = in.getByte(j);
            boolean extensionStart = j == i && (b == ';' || b == ' ' || b == '\t');
            if (j == i && !extensionStart || b >= 0 && b < 0x20 && b != '\t' || b == 0x7f) {
                throw new RejectedException(Reason.BAD_CHUNK);
            }
        }
        if (size == 0) {
            beginSection();
            state = State.TRAILERS;
            return;
        }
        if (bodyBytes + size > limits.maxBodyBytes()) {
            // R65: refuse as soon as the declared chunk would cross the limit, before reading it.
            throw new RejectedException(Reason.BODY_TOO_LARGE);
        }
        bodyBytes += size;
        remaining = size;
        state = State.CHUNK_DATA;
    }

    private boolean chunkData(ByteBuf in, List<Object> out) {
        int n = (int) Math.min(remaining, in.readableBytes());
        out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
        remaining -= n;
        if (remaining == 0) {
            state = State.CHUNK_CRLF;
        }
        return true;
    }

    private boolean chunkCrlf(ByteBuf in) throws RejectedException {
        if (in.readableBytes() < 2) {
            if (in.getByte(in.readerIndex()) != CR) {
                throw new RejectedException(Reason.BAD_CHUNK);
            }
            return false;
        }
        if (in.readByte() != CR || in.readByte() != LF) {
            throw new RejectedException(Reason.BAD_CHUNK);
        }
        state = State.CHUNK_SIZE;
        return true;
    }

    private void trailerLine(ByteBuf in, int start, int end, List<Object> out) throws RejectedException {
        if (start == end) {
            LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, fields());
            out.add(last);
            state = State.DONE;
            return;
        }
        countLine();
        HeadParser.parseFieldLine(in, start, end, fields());
    }

    private void countLine() throws RejectedException {
        if (++sectionLines > limits.maxHeaderCount()) {
            throw new RejectedException(Reason.TOO_MANY_HEADERS);
        }
    }

    private void beginSection() {
        sectionBytes = 0;
        sectionLines = 0;
        fields = null;
    }

    private HttpHeaders fields() {
        if (fields == null) {
            fields = FIELDS.newHeaders();
        }
        return fields;
    }
}
