package org.fcgate.fcgi.app;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The response a handler writes: a status and header fields, then the body, plus lines for the web server's error log.
 *
 * <p>Lifecycle: {@code OPEN} (status and headers may change) → {@code COMMITTED} on the first write to {@link #body()}
 * (or its flush), or when the handler returns: the CGI head ({@code Status: 200 OK\r\nContent-Type: …\r\n\r\n},
 * RFC 3875 §6.2) is written into STDOUT ahead of the body. Changing the head after that is an
 * {@link IllegalStateException}. Output is buffered and sent as STDOUT records; {@link #stderr()} goes out as STDERR
 * records. Both end with their empty records when the handler returns; END_REQUEST follows, then {@link #afterEnd}
 * actions run.
 */
public final class FcgiResponse {

    private enum State { OPEN, COMMITTED }

    private final RecordOutputStream stdout;
    private final RecordOutputStream stderrRecords;
    private final PrintStream stderr;
    private final OutputStream body = new BodyStream();
    private final List<HeadWriter.Field> headers = new ArrayList<>();
    private final List<Runnable> afterEnd = new ArrayList<>();
    private State state = State.OPEN;
    private int status = 200;
    private String reason = "OK";

    FcgiResponse(RecordOutputStream stdout, RecordOutputStream stderr) {
        this.stdout = stdout;
        this.stderrRecords = stderr;
        this.stderr = new PrintStream(stderr, false, StandardCharsets.UTF_8);
    }

    /** Sets the status with its usual reason phrase (empty for codes this class does not name). */
    public FcgiResponse status(int code) {
        return status(code, HeadWriter.reasonPhrase(code));
    }

    /** Sets the status; CGI allows 200..999 (RFC 3875 §6.3.3, and nginx rejects lower codes). */
    public FcgiResponse status(int code, String reasonPhrase) {
        checkOpen();
        if (code < 200 || code > 999) {
            throw new IllegalArgumentException("status must be 200..999: " + code);
        }
        HeadWriter.checkValue(reasonPhrase);
        status = code;
        reason = reasonPhrase;
        return this;
    }

    public int status() {
        return status;
    }

    /** Adds a header field; a repeated name is sent as repeated lines. */
    public FcgiResponse header(String name, String value) {
        checkOpen();
        HeadWriter.checkName(name);
        HeadWriter.checkValue(value);
        if (name.equalsIgnoreCase("Status")) {
            throw new IllegalArgumentException("set the status with status(), not a Status header");
        }
        headers.add(new HeadWriter.Field(name, value));
        return this;
    }

    public FcgiResponse contentType(String value) {
        return header("Content-Type", value);
    }

    /** True once the head was written to STDOUT (it may still sit in the output buffer). */
    public boolean isCommitted() {
        return state == State.COMMITTED;
    }

    /** The response body; the first write commits the head. {@code flush()} sends what is buffered. */
    public OutputStream body() {
        return body;
    }

    /** Lines for the web server's error log (STDERR records), UTF-8. */
    public PrintStream stderr() {
        return stderr;
    }

    /**
     * Runs {@code action} on the serving thread after END_REQUEST was written, e.g. {@code System.exit} after the
     * response. A shutdown hook installed by {@link FcgiServer#stopOnShutdown()} does not wait for these actions.
     */
    public void afterEnd(Runnable action) {
        afterEnd.add(action);
    }

    void commit() throws IOException {
        if (state == State.OPEN) {
            state = State.COMMITTED;
            stdout.write(HeadWriter.encode(status, reason, headers));
        }
    }

    /** Forgets the head and any body if nothing reached the socket yet, so an error page can replace them. */
    boolean resetUnsent() {
        if (!stdout.resetUnsent()) {
            return false;
        }
        state = State.OPEN;
        headers.clear();
        return true;
    }

    /** Flushes the error log lines, then ends STDOUT and STDERR with their empty records. */
    void end() throws IOException {
        commit();
        stderr.flush();
        stdout.end();
        stderrRecords.end();
    }

    List<Runnable> afterEndActions() {
        return afterEnd;
    }

    private void checkOpen() {
        if (state != State.OPEN) {
            throw new IllegalStateException("state: " + state);
        }
    }

    /** Commits the head before the first body byte. */
    private final class BodyStream extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            commit();
            stdout.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            commit();
            stdout.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            commit();
            stdout.flush();
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
