package org.fcgate.fcgi.app;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.RecordType;
import org.fcgate.fcgi.protocol.Role;

/**
 * One request from BEGIN_REQUEST to the end of its output streams, shared by the connection's two threads.
 *
 * <p>The reader thread creates it, gives it its {@link #params} and then hands it to the serving thread (through a
 * queue, which orders the two), streams STDIN into {@link #body()} and may {@link #abort} it at any time. The serving
 * thread {@link #run}s the handler and writes the response; END_REQUEST is the connection's business.
 */
final class Exchange {

    private static final System.Logger LOG = System.getLogger(FcgiServer.class.getName());
    private static final byte[] ERROR_PAGE = "500 Internal Server Error\n".getBytes(StandardCharsets.US_ASCII);

    private final int requestId;
    private final Role role;
    private final boolean keepConn;
    private final BodyPipe body;
    private final RecordOutputStream stdout;
    private final RecordOutputStream stderr;
    private final FcgiResponse response;
    private FcgiRequest request;

    Exchange(int requestId, Role role, boolean keepConn, RecordWriter writer, ServerSettings settings) {
        this.requestId = requestId;
        this.role = role;
        this.keepConn = keepConn;
        this.body = new BodyPipe(settings.bodyBufferSize());
        this.stdout = new RecordOutputStream(writer, RecordType.STDOUT, requestId, settings.outputBufferSize());
        this.stderr = new RecordOutputStream(writer, RecordType.STDERR, requestId, 8 * 1024);
        this.response = new FcgiResponse(stdout, stderr);
    }

    int requestId() {
        return requestId;
    }

    boolean keepConn() {
        return keepConn;
    }

    BodyPipe body() {
        return body;
    }

    /** Reader thread, before the hand-over: the PARAMS stream is complete. */
    void params(Params params) {
        request = new FcgiRequest(requestId, role, keepConn, params, body);
    }

    /** Reader thread: FCGI_ABORT_REQUEST or a lost connection. Output is discarded, the body fails. */
    void abort(String why) {
        request.markAborted();
        stdout.discard();
        stderr.discard();
        body.fail(new RequestAbortedException("request " + requestId + " aborted: " + why));
    }

    /**
     * Serving thread: runs the handler and turns its failure into a 500 (if nothing was sent yet) and an error log
     * line. The streams stay open for {@link #end}.
     *
     * @return the appStatus for END_REQUEST: 0, or 1 when the handler threw
     * @throws IOException when the connection broke while writing
     */
    int run(FcgiHandler handler) throws IOException {
        Exception failure = null;
        try {
            handler.handle(request, response);
        } catch (Exception e) {
            failure = e;
        } finally {
            body.close();
        }
        if (failure != null) {
            report(failure);
        }
        return failure == null ? 0 : 1;
    }

    /** Serving thread, after {@link #run}: sends what the response still buffers and ends STDOUT and STDERR. */
    void end() throws IOException {
        response.end();
    }

    /** Serving thread, after END_REQUEST: the actions the handler registered with {@link FcgiResponse#afterEnd}. */
    void runAfterEnd() {
        for (Runnable action : response.afterEndActions()) {
            try {
                action.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "after-end action of request " + requestId + " failed", e);
            }
        }
    }

    private void report(Exception failure) throws IOException {
        if (failure instanceof RequestAbortedException && request.isAborted()) {
            // Expected: the body stream threw because the web server gave up.
            LOG.log(Level.DEBUG, () -> "aborted request " + requestId + " ended with " + failure);
        } else {
            LOG.log(Level.WARNING, "handler failed on request " + requestId + " for " + target(), failure);
        }
        if (request.isAborted()) {
            return; // the output is discarded: nobody would read an error page
        }
        if (!response.isCommitted() || response.resetUnsent()) {
            response.status(500).contentType("text/plain; charset=UTF-8");
            response.body().write(ERROR_PAGE);
        }
        response.stderr().println("fcgi handler failed for " + target() + ": " + failure);
    }

    private String target() {
        return request.param("SCRIPT_FILENAME", request.param("REQUEST_URI", "(no SCRIPT_FILENAME)"));
    }
}
