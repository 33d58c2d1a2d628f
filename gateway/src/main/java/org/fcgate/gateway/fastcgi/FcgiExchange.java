package org.fcgate.gateway.fastcgi;

import io.netty.buffer.ByteBuf;
import org.fcgate.gateway.admin.StatusRequest;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.fcgate.fcgi.client.ClientRequestEncoder;
import org.fcgate.fcgi.client.ResponseHeadParser;
import org.fcgate.fcgi.client.ResponseListener;
import org.fcgate.fcgi.params.EncodedParams;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.RecordEncoder;
import org.fcgate.fcgi.protocol.Role;
import org.fcgate.gateway.accesslog.UpstreamTrace;
import org.fcgate.gateway.cgi.CgiEnvironment;
import org.fcgate.gateway.error.Reason;
import org.fcgate.gateway.upstream.ResponseSink;
import org.fcgate.gateway.upstream.UpstreamExchange;
import org.fcgate.gateway.upstream.UpstreamRequest;
import org.fcgate.pool.Revocation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request forwarded over FastCGI, on the client connection's event loop from start to end. Steps:
 * <ol>
 *   <li>BODY: the request body is collected whole ({@link RequestBody}), unless the route streams bodies of known
 *       length; then the CGI environment is built (431 when too large, before any backend contact, R22);</li>
 *   <li>ACQUIRING: the {@link Backend} is asked for a connection (a managed child's lease, or a pooled connection);
 *       refusal → 503 + Retry-After, connect failure → another server ({@link Retries}) or 502/504;</li>
 *   <li>AHEAD (a managed pool's {@code write_ahead} only): the whole request is written on a busy child's kept
 *       connection, behind its current request; nothing is read until that one completes and this one is promoted
 *       (then RUNNING, the read timer armed). Should the child never start it ({@code NOT_STARTED}), it is asked for
 *       again once, never ahead;</li>
 *   <li>RUNNING: BEGIN_REQUEST, PARAMS and STDIN go out; STDOUT is parsed as a CGI head ({@link CgiResponse}), then
 *       streamed to the client. When the client is slower, bytes wait in memory, then in a temp file, so the backend
 *       is read to its end without waiting for the client;</li>
 *   <li>BACKEND_DONE: END_REQUEST arrived, the backend is released at once; what is buffered still drains to the
 *       client;</li>
 *   <li>DONE: the response ended, failed, or the client went away (then ABORT_REQUEST and close, R51).</li>
 * </ol>
 * A request that failed before any byte of its answer may go back to ACQUIRING for another try ({@link Retries}:
 * a stale kept connection, a failed connect, an idempotent request left unanswered); the failed connection is closed
 * and forgotten first, so nothing of it reaches the client. Every failure goes through {@link #fail} once: logged with upstream, pid, URI and cause (no stack trace), the
 * backend closed (a managed child is stopped and replaced), the client answered (before the head) or cut off (after
 * it, never a clean-looking end, R48).
 */
final class FcgiExchange implements UpstreamExchange, ResponseListener, BackendHandler.Events {

    private static final Logger LOG = LoggerFactory.getLogger(FcgiExchange.class);
    private static final int REQUEST_ID = 1;
    /** nginx's status for a client that closed its connection before the answer, as the server's meters count it. */
    private static final int CLIENT_CLOSED = 499;
    private static final int SPOOL_READ = 64 * 1024;

    private enum State { BODY, ACQUIRING, AHEAD, RUNNING, BACKEND_DONE, DONE }

    /** Which connection {@link #open} asks for. */
    private enum Attempt { FIRST, FRESH_AFTER_STALE, ANOTHER_SERVER, AFTER_NOT_STARTED }

    /** The largest body a request written ahead may carry: sent again from memory should its child never start it. */
    static final int WRITE_AHEAD_MAX_BODY = 64 * 1024;

    /** How {@link #fail} gives the backend back: broken, or failed by the server before it answered (max_fails). */
    private enum Release { BROKEN, SERVER_FAILED }

    private final FastCgiUpstream upstream;
    private final FastCgiUpstreamOptions options;
    private final UpstreamRequest request;
    private final ResponseSink sink;
    private final EventLoop loop;
    private final boolean streaming;
    private final boolean headRequest;
    private final StderrLog stderr;
    /** Taken once: a late finish() must not touch the next request's trace on a kept-alive connection. */
    private final UpstreamTrace trace;
    private final GenericFutureListener<Future<Void>> onClientClose = f -> clientClosed();
    private State state = State.BODY;
    private RequestBody body;
    private CompositeByteBuf pendingStdin;
    private boolean bodyEnded;
    private EncodedParams params;
    private Runnable cancelOpen;
    private Backend.Session session;
    private Channel backend;
    private ResponseHeadParser headParser;
    private ScheduledFuture<?> readTimer;
    private long lastBackendRead;
    private final Retries retries;
    /** STDOUT or STDERR content arrived in the current try (END_REQUEST alone is not output). */
    private boolean outputSeen;
    // Response
    private String localRedirect;
    private boolean headSent;
    private boolean dropBody;
    private boolean buffering;
    private long lengthLeft = -1;
    private boolean extraWarned;
    private long inFlight;
    private boolean readPaused;
    private TempFile spool;
    private boolean spoolReading;
    private long spoolUnwritten;
    private boolean clientGone;

    FcgiExchange(FastCgiUpstream upstream, UpstreamRequest request, ResponseSink sink) {
        this.upstream = upstream;
        this.options = upstream.options();
        this.request = request;
        this.sink = sink;
        this.loop = (EventLoop) sink.executor();
        this.trace = sink.trace();
        this.headRequest = request.head().method().equals(HttpMethod.HEAD);
        this.streaming = options.streamRequestBody() && request.bodyLength() >= 0;
        this.retries = new Retries(request.head().method(), upstream.backend().maxTries());
        this.stderr = new StderrLog(upstream.name(), upstream.stderrLimiter(), options.stderrLineMaxBytes(),
                request.uri());
        sink.closeFuture().addListener(onClientClose);
        if (streaming) {
            pendingStdin = io.netty.buffer.ByteBufAllocator.DEFAULT.compositeBuffer(Integer.MAX_VALUE);
            acquire(request.bodyLength());
        } else {
            body = new RequestBody(io.netty.buffer.ByteBufAllocator.DEFAULT, options.requestBufferMemory(),
                    options.tempDirectory());
        }
    }

    // ---- request body, from the HTTP layer -------------------------------------------------------------------

    @Override
    public void content(ByteBuf chunk) {
        if (state == State.DONE || bodyEnded) {
            chunk.release();
        } else if (!streaming) {
            body.append(chunk);
        } else if (state == State.RUNNING) {
            writeStdin(chunk);
            backend.flush();
        } else {
            pendingStdin.addComponent(true, chunk);
        }
    }

    @Override
    public void end(HttpHeaders trailers) {
        if (state == State.DONE || bodyEnded) {
            return;
        }
        bodyEnded = true;
        if (!streaming) {
            acquire(body.size());
        } else if (state == State.RUNNING) {
            writeStdinEnd();
            backend.flush();
        }
    }

    @Override
    public void abort() {
        clientClosed();
    }

    // ---- backend acquisition ---------------------------------------------------------------------------------

    /** The request body's length as CONTENT_LENGTH gives it, for the status page; set before the first open. */
    private long bodyLength;

    private void acquire(long contentLength) {
        CgiEnvironment.Result env = CgiEnvironment.build(request, contentLength, options.cgi(),
                options.limits().maxParamsBytes());
        if (env instanceof CgiEnvironment.Result.TooLarge tooLarge) {
            fail(Reason.PARAMS_TOO_LARGE, "CGI params of " + tooLarge.encodedBytes() + " bytes exceed "
                    + tooLarge.limit(), Optional.empty());
            return;
        }
        params = ((CgiEnvironment.Result.Built) env).encoded();
        bodyLength = contentLength;
        open(Attempt.FIRST);
    }

    private void open(Attempt attempt) {
        state = State.ACQUIRING;
        if (attempt == Attempt.FIRST) {
            trace.acquiring(upstream.name()); // a retry keeps the first attempt's start
        }
        Backend.Callback callback = new Backend.Callback() {
            @Override
            public void opened(Backend.Session s) {
                onOpened(s);
            }

            @Override
            public void failed(Backend.Failure failure) {
                if (state == State.ACQUIRING) {
                    acquireFailed(failure);
                }
            }
        };
        // Retries go to external servers only, so they need no status info.
        Backend b = upstream.backend();
        cancelOpen = switch (attempt) {
            case FIRST -> mayGoAhead()
                    ? b.openMayGoAhead(loop, StatusRequest.of(request, bodyLength), callback)
                    : b.open(loop, StatusRequest.of(request, bodyLength), callback);
            case AFTER_NOT_STARTED -> b.open(loop, StatusRequest.of(request, bodyLength), callback);
            case FRESH_AFTER_STALE -> b.openFresh(loop, request.uri(), retries.failedOn(), callback);
            case ANOTHER_SERVER -> b.openAnother(loop, request.uri(), retries.failedOn(), callback);
        };
    }

    /** A small body whole in memory: the request can be written ahead, and written again if its child never starts it. */
    private boolean mayGoAhead() {
        return !streaming && body != null && body.file() == null && body.size() <= WRITE_AHEAD_MAX_BODY;
    }

    /** No connection: nothing of the request was sent, so a failed connect may go to another server (Retries, 2). */
    private void acquireFailed(Backend.Failure failure) {
        if (failure.connectFailed().isPresent() && retries.afterConnectFailure(failure.connectFailed().get())
                && upstream.backend().hasAnother(retries.failedOn())) {
            LOG.info("fastcgi connect failed upstream={} uri={} cause={}; trying another server", upstream.name(),
                    request.uri(), failure.cause());
            open(Attempt.ANOTHER_SERVER);
            return;
        }
        fail(failure.reason(), failure.cause(), failure.retryAfter());
    }

    private void onOpened(Backend.Session s) {
        if (state != State.ACQUIRING) {
            if (!s.ahead()) {
                s.handler().detach(null); // ahead, the connection is still its current request's
            }
            s.release(); // the client went away meanwhile; nothing was sent
            return;
        }
        session = s;
        backend = s.channel();
        stderr.pid(s.pid());
        trace.opened(s.pid());
        s.revoked().thenAccept(why -> loop.execute(() -> {
            // Only for the session it was asked on: after a stale retry the old child's exit (php-cgi after
            // PHP_FCGI_MAX_REQUESTS, seen by the pool while its lease was still being released) is not this one's.
            if (session == s) {
                revoked(why);
            }
        }));
        if (s.ahead()) {
            state = State.AHEAD;
            writeRequest(s);
            s.whenPromoted(() -> promoted(s));
            return;
        }
        startReading(s);
        writeRequest(s);
        lastBackendRead = System.nanoTime();
        armReadTimer();
        backend.read();
    }

    /** The request before this one on the connection completed: this one is the child's now, read from here on. */
    private void promoted(Backend.Session s) {
        if (state != State.AHEAD || session != s) {
            return;
        }
        startReading(s);
        lastBackendRead = System.nanoTime();
        armReadTimer();
        if (!backend.isActive()) {
            backendInactive(); // closed between the END_REQUEST before and now: no event will come
            return;
        }
        backend.read();
    }

    /** Takes the connection's events and the request id's records; RUNNING from here. */
    private void startReading(Backend.Session s) {
        s.handler().attach(this);
        state = State.RUNNING;
        outputSeen = false;
        headParser = new ResponseHeadParser(options.limits(), REQUEST_ID);
        s.handler().decoder().register(REQUEST_ID, this);
    }

    /** BEGIN_REQUEST, PARAMS and STDIN (all of it when it is in memory or streamed so far), flushed. */
    private void writeRequest(Backend.Session s) {
        EncodedParams p = params; // kept for a retry (StaleConnection)
        s.begin();
        backend.write(encode(ClientRequestEncoder.headSize(p),
                dst -> ClientRequestEncoder.writeHead(dst, REQUEST_ID, Role.RESPONDER, s.keepConn(), p)));
        if (streaming) {
            if (pendingStdin.isReadable()) {
                writeStdin(pendingStdin);
            } else {
                pendingStdin.release();
            }
            pendingStdin = null;
            if (bodyEnded) {
                writeStdinEnd();
            }
            backend.flush();
        } else {
            ByteBuf whole = body.takeMemory();
            if (whole != null) {
                writeStdin(whole);
                writeStdinEnd();
                backend.flush();
            } else {
                backend.flush();
                pumpBodyFile();
            }
        }
    }

    /** STDIN from the spilled body file, one read at a time, each written before the next is read. */
    private void pumpBodyFile() {
        TempFile file = body.file();
        if (file.unread() == 0) {
            writeStdinEnd();
            backend.flush();
            return;
        }
        file.read(Fcgi.MAX_CONTENT_LENGTH).whenComplete((bytes, error) -> loop.execute(() -> {
            if (state != State.RUNNING) {
                return;
            }
            if (error != null) {
                fail(Reason.BACKEND_FAILED, "request body temp file: " + error.getMessage(), Optional.empty());
                return;
            }
            backend.writeAndFlush(encodeStdin(bytes)).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess() && state == State.RUNNING) {
                    pumpBodyFile();
                }
            });
        }));
    }

    private void writeStdin(ByteBuf data) {
        try {
            backend.write(encodeStdin(data.nioBuffer()));
        } finally {
            data.release();
        }
    }

    private ByteBuf encodeStdin(ByteBuffer data) {
        return encode((int) RecordEncoder.streamSize(data.remaining()),
                dst -> ClientRequestEncoder.writeStdin(dst, REQUEST_ID, data));
    }

    private void writeStdinEnd() {
        backend.write(encode(Fcgi.HEADER_LEN, dst -> ClientRequestEncoder.writeStdinEnd(dst, REQUEST_ID)));
        session.requestSent();
    }

    /** Encodes straight into a pooled buffer of exactly {@code size} bytes. */
    private ByteBuf encode(int size, Consumer<ByteBuffer> writer) {
        ByteBuf out = backend.alloc().buffer(size);
        ByteBuffer dst = out.nioBuffer(0, size);
        writer.accept(dst);
        out.writerIndex(dst.position());
        return out;
    }

    // ---- backend events ----------------------------------------------------------------------------------------

    @Override
    public void backendRead(ByteBuf data) {
        lastBackendRead = System.nanoTime();
        retries.responseByte();
        Backend.Session reading = session; // a retry from onEnd replaces it: what follows is the old one's
        try {
            if (state != State.RUNNING) {
                return;
            }
            ByteBuffer[] buffers = data.nioBuffers();
            for (int i = 0; i < buffers.length; i++) {
                reading.handler().decoder().feed(buffers[i]);
                if (state != State.RUNNING || session != reading) {
                    handOn(reading.handler(), buffers, i + 1);
                    return;
                }
            }
        } catch (FcgiProtocolException e) {
            BackendHandler.Events next = reading.handler().holder();
            if (next != null && next != this) {
                next.backendException(e); // in the bytes after our END_REQUEST: the promoted request's
            } else if (session == reading) {
                fail(Reason.BACKEND_PROTOCOL_ERROR, "backend protocol error: " + e.getMessage(), Optional.empty());
            }
        } finally {
            data.release();
        }
    }

    /**
     * Our END_REQUEST was in this read and a request written ahead was promoted on the connection: the buffers of the
     * read not parsed yet are its.
     */
    private void handOn(BackendHandler handler, ByteBuffer[] buffers, int from) {
        BackendHandler.Events next = handler.holder();
        if (next == null || next == this) {
            return;
        }
        for (int i = from; i < buffers.length; i++) {
            next.backendRead(io.netty.buffer.Unpooled.wrappedBuffer(buffers[i]));
        }
    }

    @Override
    public void backendReadComplete() {
        if (state == State.RUNNING && !readPaused) {
            backend.read();
        }
    }

    @Override
    public void backendInactive() {
        if (state != State.RUNNING) {
            return;
        }
        Revocation why = session.revoked().getNow(null); // a managed child's (revoked() tries the stale retry first)
        if (why != null) {
            revoked(why);
        } else {
            backendFailed(Reason.BACKEND_FAILED, "backend closed the connection before END_REQUEST");
        }
    }

    @Override
    public void backendException(Throwable cause) {
        if (state == State.RUNNING && cause instanceof SendTimeoutHandler.SendTimeoutException) {
            backendFailed(Reason.BACKEND_TIMEOUT, cause.getMessage()); // send_timeout: 504, as nginx
        } else if (state == State.RUNNING) {
            // A managed child taken back (request_timeout) and killed with a request written ahead still unread in its
            // socket resets the connection: the revocation says why, as in backendInactive.
            Revocation why = session.revoked().getNow(null);
            if (why != null) {
                revoked(why);
            } else {
                backendFailed(Reason.BACKEND_FAILED, "backend I/O error: " + cause);
            }
        }
    }

    /**
     * The connection was lost or fell silent while the request ran. Before any byte of the answer, the request may
     * be sent again ({@link Retries}): once on a fresh connection when a kept one went stale, or to another server;
     * the failed connection is closed and forgotten first, so nothing of it reaches the client. Otherwise the client
     * gets {@code reason}, or its connection is cut once the head went out.
     */
    private void backendFailed(Reason reason, String cause) {
        if (retries.responseSeen()) {
            fail(reason, cause, Optional.empty());
            return;
        }
        if (retries.staleConnection(session, body)) {
            LOG.info("kept connection lost before any response byte upstream={} uri={} cause={}; retrying once on a"
                    + " fresh connection", upstream.name(), request.uri(), cause);
            session.stale();
            dropSession(Release.BROKEN, cause, reason.status());
            open(Attempt.FRESH_AFTER_STALE);
            return;
        }
        Optional<BackendAddress> server = session.server();
        if (server.isPresent() && retries.afterNoAnswer(server.get(), body)
                && upstream.backend().hasAnother(retries.failedOn())) {
            LOG.info("no answer from upstream={} server={} uri={} cause={}; idempotent, trying another server",
                    upstream.name(), server.get(), request.uri(), cause);
            dropSession(Release.SERVER_FAILED, cause, reason.status());
            open(Attempt.ANOTHER_SERVER);
            return;
        }
        fail(reason, cause, Optional.empty(), Release.SERVER_FAILED);
    }

    /** Gives up the session of a failed try before the next one; {@code status}: what the try counts as. */
    private void dropSession(Release how, String cause, int status) {
        cancelReadTimer();
        session.handler().detach(null);
        session.status(status);
        release(session, how, cause);
        session = null;
        backend = null;
    }

    private static void release(Backend.Session s, Release how, String cause) {
        if (how == Release.SERVER_FAILED) {
            s.releaseFailed(cause);
        } else {
            s.releaseBroken();
        }
    }

    private void revoked(Revocation why) {
        if (why == Revocation.NOT_STARTED && state == State.AHEAD) {
            // Written ahead on a child whose current request did not complete: it never ran here, so it is asked for
            // again whatever its method, once and never ahead. The connection was its predecessor's: left alone.
            LOG.info("request written ahead never started upstream={} pid={} uri={}; asking again",
                    upstream.name(), session.pid(), request.uri());
            session = null;
            backend = null;
            open(Attempt.AFTER_NOT_STARTED);
            return;
        }
        if (state != State.RUNNING) {
            return;
        }
        // A kept connection's child that exited before answering (php-cgi after PHP_FCGI_MAX_REQUESTS: our request
        // crossed its exit) is the stale case, whichever the pool or the socket reports first.
        if (why == Revocation.CHILD_FAILED && !retries.responseSeen() && retries.staleConnection(session, body)) {
            LOG.info("kept connection's child exited before any response byte upstream={} uri={}; retrying once on a"
                    + " fresh connection", upstream.name(), request.uri());
            session.stale();
            dropSession(Release.BROKEN, "child exited", Reason.BACKEND_FAILED.status());
            open(Attempt.FRESH_AFTER_STALE);
            return;
        }
        switch (why) {
            case TIMED_OUT -> fail(Reason.BACKEND_TIMEOUT, "child timed out (request_timeout)", Optional.empty());
            case CHILD_FAILED -> fail(Reason.BACKEND_FAILED, "child died during the request", Optional.empty());
            case SHUTDOWN -> fail(Reason.BACKEND_FAILED, "pool shut down during the request", Optional.empty());
            case NOT_STARTED -> fail(Reason.BACKEND_FAILED, "child lost before the request started", Optional.empty());
        }
    }

    private void armReadTimer() {
        long timeout = options.readTimeout().toNanos();
        if (timeout > 0) {
            readTimer = loop.schedule(this::checkReadTimeout, timeout, TimeUnit.NANOSECONDS);
        }
    }

    private void checkReadTimeout() {
        if (state != State.RUNNING) {
            return;
        }
        long left = lastBackendRead + options.readTimeout().toNanos() - System.nanoTime();
        if (readPaused || left > 0) {
            // A paused read is the client's slowness, not the backend's.
            readTimer = loop.schedule(this::checkReadTimeout, Math.max(left, options.readTimeout().toNanos() / 4),
                    TimeUnit.NANOSECONDS);
            return;
        }
        backendFailed(Reason.BACKEND_TIMEOUT, "backend silent for " + options.readTimeout().toMillis() + " ms");
    }

    // ---- FastCGI response --------------------------------------------------------------------------------------

    @Override
    public void onStdout(ByteBuffer chunk) throws FcgiProtocolException {
        if (state != State.RUNNING) {
            return;
        }
        outputSeen = true;
        if (!headParser.isDone()) {
            if (!headParser.feed(chunk, 0)) {
                return;
            }
            onHead();
            if (state != State.RUNNING) {
                return;
            }
        }
        if (chunk.hasRemaining()) {
            onBody(chunk);
        }
    }

    @Override
    public void onStderr(ByteBuffer chunk) {
        outputSeen = true;
        stderr.feed(chunk);
    }

    @Override
    public void onEnd(int appStatus, ProtocolStatus status) {
        if (state != State.RUNNING) {
            return;
        }
        stderr.flush();
        if (status == ProtocolStatus.OVERLOADED && !outputSeen && session.server().isPresent()
                && retries.afterOverloaded(session.server().get(), body)
                && upstream.backend().hasAnother(retries.failedOn())) {
            // R38 (c): the server refused the request without running it (a pool server whose queue is full).
            LOG.info("upstream={} server={} refused uri={} (END_REQUEST OVERLOADED); trying another server",
                    upstream.name(), session.server().get(), request.uri());
            dropSession(Release.BROKEN, "overloaded", Reason.BACKEND_OVERLOADED.status());
            open(Attempt.ANOTHER_SERVER);
            return;
        }
        if (status != ProtocolStatus.REQUEST_COMPLETE) {
            // R38 (c): OVERLOADED is the backend's 503; CANT_MPX_CONN and UNKNOWN_ROLE are our fault or its bug.
            boolean overloaded = status == ProtocolStatus.OVERLOADED;
            fail(overloaded ? Reason.BACKEND_OVERLOADED : Reason.BACKEND_FAILED,
                    "END_REQUEST with protocolStatus " + status,
                    overloaded ? Optional.of(Duration.ofSeconds(1)) : Optional.empty());
            return;
        }
        if (!headParser.isDone()) {
            fail(Reason.BACKEND_PROTOCOL_ERROR, "premature end of script headers", Optional.empty());
            return;
        }
        state = State.BACKEND_DONE;
        cancelReadTimer();
        session.handler().detach(null);
        session.release(); // the child is free before the client has read everything
        if (clientGone) {
            finish();
            return;
        }
        if (localRedirect != null) {
            finish();
            sink.redirectLocally(localRedirect);
            return;
        }
        if (lengthLeft > 0) {
            LOG.warn("backend response shorter than Content-Length upstream={} pid={} uri={} missing={}",
                    upstream.name(), session.pid(), request.uri(), lengthLeft);
            finish();
            sink.fail(Reason.BACKEND_FAILED); // head sent: the client connection is closed, no clean end
            return;
        }
        maybeEnd();
    }

    private void onHead() {
        session.firstByte();
        CgiResponse.Plan plan = CgiResponse.plan(headParser.head(), headRequest);
        if (plan instanceof CgiResponse.Plan.Respond r) {
            session.status(r.head().status().code());
        } else if (plan instanceof CgiResponse.Plan.LocalRedirect) {
            session.status(302); // RFC 3875 §6.2.2: the server answered with a redirect the gateway follows
        }
        if (plan instanceof CgiResponse.Plan.Invalid invalid) {
            fail(Reason.BACKEND_PROTOCOL_ERROR, invalid.cause(), Optional.empty());
        } else if (plan instanceof CgiResponse.Plan.LocalRedirect redirect) {
            localRedirect = redirect.location();
            dropBody = true;
        } else {
            CgiResponse.Plan.Respond respond = (CgiResponse.Plan.Respond) plan;
            headSent = true;
            dropBody = respond.noBody();
            lengthLeft = respond.contentLength();
            buffering = options.bufferResponse() && respond.buffering();
            sink.head(respond.head());
        }
    }

    private void onBody(ByteBuffer chunk) {
        if (dropBody) {
            return; // drained to END_REQUEST all the same (R16)
        }
        int n = chunk.remaining();
        if (lengthLeft >= 0) {
            if (n > lengthLeft) {
                if (!extraWarned) {
                    extraWarned = true;
                    LOG.warn("backend response longer than Content-Length upstream={} pid={} uri={}; extra dropped",
                            upstream.name(), session.pid(), request.uri());
                }
                n = (int) lengthLeft;
            }
            lengthLeft -= n;
            if (n == 0) {
                return;
            }
        }
        ByteBuf buf = backend.alloc().buffer(n);
        buf.writeBytes(chunk.slice().limit(n));
        chunk.position(chunk.limit());
        deliver(buf);
    }

    // ---- response body to the client: memory, then temp file when the client is slower ------------------------
    //
    // Bytes go to the client channel while at most responseBufferMemory is in flight there (written, not yet
    // taken by the client). Past it, with buffering on, they are appended to the spool and read back, 64 KiB at a
    // time on the temp file executor, as the client drains below half of it; while the spool holds unread bytes or a
    // read is on its way, every new byte goes behind them, so the order is kept. Reading the backend pauses when the
    // spool holds responseBufferFileMax unread bytes, or responseBufferMemory not yet written to disk (so a disk
    // slower than the backend never piles up memory), and resumes below half of each. Without buffering it pauses
    // when responseBufferMemory is in flight and resumes below half (HexDumpProxy backpressure).

    private void deliver(ByteBuf buf) {
        if (clientGone) {
            buf.release();
            return;
        }
        boolean spoolHoldsBytes = spool != null && (spool.unread() > 0 || spoolReading);
        if (spoolHoldsBytes || spillable() && inFlight > options.responseBufferMemory()) {
            toSpool(buf);
            return;
        }
        toClient(buf);
        if (!spillable() && inFlight > options.responseBufferMemory()) {
            readPaused = true;
        }
    }

    private boolean spillable() {
        return buffering && options.responseBufferFileMax() > 0;
    }

    private void toClient(ByteBuf buf) {
        int n = buf.readableBytes();
        inFlight += n;
        sink.content(buf).addListener(f -> {
            inFlight -= n;
            if (f.isSuccess()) {
                clientTookBytes();
            }
        });
    }

    private void toSpool(ByteBuf buf) {
        if (spool == null) {
            spool = new TempFile(options.tempDirectory(), ".response");
        }
        int n = buf.readableBytes();
        spoolUnwritten += n;
        spool.append(buf).whenComplete((v, error) -> loop.execute(() -> spoolWritten(n, error)));
        if (spool.unread() > options.responseBufferFileMax() || spoolUnwritten > options.responseBufferMemory()) {
            readPaused = true;
        }
    }

    private void spoolWritten(int n, Throwable error) {
        spoolUnwritten -= n;
        if (state == State.DONE) {
            return;
        }
        if (error != null) {
            fail(Reason.BACKEND_FAILED, "response temp file: " + rootCause(error), Optional.empty());
            return;
        }
        maybeResumeRead();
    }

    private void clientTookBytes() {
        if (state == State.DONE) {
            return;
        }
        if (inFlight <= options.responseBufferMemory() / 2) {
            pumpSpool();
        }
        maybeResumeRead();
        maybeEnd();
    }

    private void maybeResumeRead() {
        if (!readPaused || state != State.RUNNING) {
            return;
        }
        boolean below = spillable()
                ? spool == null || spool.unread() <= options.responseBufferFileMax() / 2
                        && spoolUnwritten <= options.responseBufferMemory() / 2
                : inFlight <= options.responseBufferMemory() / 2;
        if (below) {
            readPaused = false;
            backend.read();
        }
    }

    private void pumpSpool() {
        if (spool == null || spoolReading || spool.unread() == 0) {
            return;
        }
        spoolReading = true;
        spool.read(SPOOL_READ).whenComplete((bytes, error) -> loop.execute(() -> {
            spoolReading = false;
            if (state == State.DONE) {
                return;
            }
            if (error != null) {
                fail(Reason.BACKEND_FAILED, "response temp file: " + rootCause(error), Optional.empty());
                return;
            }
            toClient(Unpooled.wrappedBuffer(bytes));
            if (inFlight <= options.responseBufferMemory() / 2) {
                pumpSpool();
            }
            maybeResumeRead();
            maybeEnd();
        }));
    }

    private static String rootCause(Throwable error) {
        Throwable t = error;
        while (t.getCause() != null && t != t.getCause()) {
            t = t.getCause();
        }
        return t.toString();
    }

    private void maybeEnd() {
        if (state == State.BACKEND_DONE && (spool == null || spool.unread() == 0 && !spoolReading)) {
            finish();
            sink.end();
        }
    }

    // ---- the one way out ---------------------------------------------------------------------------------------

    private void fail(Reason reason, String cause, Optional<Duration> retryAfter) {
        fail(reason, cause, retryAfter, Release.BROKEN);
    }

    private void fail(Reason reason, String cause, Optional<Duration> retryAfter, Release how) {
        if (state == State.DONE) {
            return;
        }
        State was = state;
        long pid = session != null ? session.pid() : 0;
        if (reason.status() == 431) {
            LOG.info("fastcgi request refused upstream={} uri={} status={} cause={}", upstream.name(),
                    request.uri(), reason.status(), cause);
        } else {
            LOG.warn("fastcgi request failed upstream={} pid={} uri={} status={} cause={}", upstream.name(), pid,
                    request.uri(), headSent ? "aborted" : reason.status(), cause);
        }
        if (was == State.ACQUIRING && cancelOpen != null) {
            cancelOpen.run();
        }
        if (was == State.RUNNING) {
            session.handler().detach(null);
            session.status(reason.status()); // unless the server's head came first
            release(session, how, cause);
        } else if (was == State.AHEAD) {
            session.status(reason.status()); // what it counts as should its server go on to read it
            session.releaseBroken(); // written ahead: the pool replaces the child once its current request ends
        }
        finish();
        if (clientGone) {
            return;
        }
        if (retryAfter.isPresent()) {
            sink.fail(reason, retryAfter.get());
        } else {
            sink.fail(reason);
        }
    }

    /**
     * The client connection closed before the response ended (R51): ABORT_REQUEST, close, and a managed child is
     * replaced. Except when the client already has everything it needs (the whole Content-Length, or a head-only
     * answer) and only END_REQUEST is still on its way: the backend is then drained to END_REQUEST and kept.
     */
    private void clientClosed() {
        if (state == State.DONE || clientGone) {
            return;
        }
        State was = state;
        if (was == State.RUNNING && headSent && (lengthLeft == 0 || dropBody)) {
            clientGone = true;
            sink.closeFuture().removeListener(onClientClose);
            return;
        }
        if (was == State.ACQUIRING && cancelOpen != null) {
            cancelOpen.run();
        }
        if (was == State.AHEAD) {
            // Its bytes are in the child's socket, behind the current request: the pool replaces the child once that
            // one ends, as after an ABORT_REQUEST (R51), rather than let it serve a request nobody reads.
            LOG.info("client closed while its request was written ahead upstream={} pid={} uri={}", upstream.name(),
                    session.pid(), request.uri());
            session.status(CLIENT_CLOSED); // counted so should its server go on to read it (nginx's 499)
            session.releaseBroken();
        }
        if (was == State.RUNNING) {
            LOG.info("client closed during the request upstream={} pid={} uri={}: ABORT_REQUEST sent",
                    upstream.name(), session.pid(), request.uri());
            session.handler().detach(null);
            Channel ch = backend;
            ByteBuf abort = encode(Fcgi.HEADER_LEN, dst -> RecordEncoder.abortRequest(dst, REQUEST_ID));
            ch.writeAndFlush(abort).addListener(ChannelFutureListener.CLOSE);
            session.status(CLIENT_CLOSED); // unless the server's head came first
            session.releaseBroken();
        }
        finish();
    }

    /** Releases what the exchange holds; the state is DONE afterwards. */
    private void finish() {
        state = State.DONE;
        trace.finished();
        cancelReadTimer();
        sink.closeFuture().removeListener(onClientClose);
        if (body != null) {
            body.release();
            body = null;
        }
        if (pendingStdin != null) {
            pendingStdin.release();
            pendingStdin = null;
        }
        if (spool != null) {
            spool.close();
        }
    }

    private void cancelReadTimer() {
        if (readTimer != null) {
            readTimer.cancel(false);
            readTimer = null;
        }
    }
}
