package org.fcgate.gateway.fastcgi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.fcgate.fcgi.client.ClientRequestEncoder;
import org.fcgate.fcgi.client.ClientResponseDecoder;
import org.fcgate.fcgi.client.ResponseHeadParser;
import org.fcgate.fcgi.client.ResponseListener;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.params.ParamsEncoder;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.RecordEncoder;
import org.fcgate.fcgi.protocol.RecordType;
import org.fcgate.fcgi.protocol.Role;
import org.fcgate.gateway.config.HealthCheck;

/**
 * One health check of one server over a fresh connection, on the checker's event loop. Steps: connect; send
 * FCGI_GET_VALUES for the three variables of FastCGI 1.0 §4.1 (or, with {@code request} set, a GET RESPONDER request
 * without FCGI_KEEP_CONN); read until GET_VALUES_RESULT (an UNKNOWN_TYPE answer also shows a live FastCGI server) or
 * END_REQUEST; close. The whole check is bounded by the check timeout. It reports exactly once: null when it passed,
 * else why it failed.
 */
final class HealthProbe implements BackendHandler.Events, ClientResponseDecoder.ManagementListener, ResponseListener {

    private static final int REQUEST_ID = 1;

    private final EventLoop loop;
    private final BackendAddress address;
    private final SocketAddress resolved;
    private final HealthCheck check;
    private final FcgiLimits limits;
    private final Consumer<String> report;
    private final BackendHandler handler;
    private Channel channel;
    private ScheduledFuture<?> timer;
    private ResponseHeadParser head;
    private boolean done;

    HealthProbe(EventLoop loop, BackendAddress address, SocketAddress resolved, HealthCheck check, FcgiLimits limits,
                Consumer<String> report) {
        this.loop = loop;
        this.address = address;
        this.resolved = resolved;
        this.check = check;
        this.limits = limits;
        this.report = report;
        this.handler = new BackendHandler(limits);
        handler.attach(this);
    }

    /** On {@code loop}. */
    void start() {
        timer = loop.schedule(() -> finish("no answer within " + check.timeout().toMillis() + " ms"),
                check.timeout().toNanos(), TimeUnit.NANOSECONDS);
        ChannelFuture f = Backend.connect(loop, address, resolved, check.timeout(), handler);
        channel = f.channel();
        f.addListener(connected -> {
            if (done) {
                f.channel().close();
            } else if (!connected.isSuccess()) {
                finish("connect failed: " + connected.cause().getMessage());
            } else {
                ask();
            }
        });
    }

    private void ask() {
        ByteBuffer out;
        if (check.request().isEmpty()) {
            Params names = Params.builder().add(Fcgi.MAX_CONNS, "").add(Fcgi.MAX_REQS, "").add(Fcgi.MPXS_CONNS, "")
                    .build();
            out = ByteBuffer.allocate(RecordEncoder.recordSize((int) ParamsEncoder.contentSize(names.pairs())));
            ParamsEncoder.writePairRecords(out, RecordType.GET_VALUES, Fcgi.NULL_REQUEST_ID, names.pairs());
            out.flip();
            handler.decoder().expectManagement(this);
        } else {
            head = new ResponseHeadParser(limits, REQUEST_ID);
            handler.decoder().register(REQUEST_ID, this);
            out = ClientRequestEncoder.encode(REQUEST_ID, Role.RESPONDER, false, pingParams(),
                    ByteBuffer.allocate(0));
        }
        ByteBuf buf = Unpooled.wrappedBuffer(out);
        channel.writeAndFlush(buf).addListener(w -> {
            if (!w.isSuccess()) {
                finish("write failed: " + w.cause().getMessage());
            }
        });
        channel.read();
    }

    /** The CGI/1.1 variables of a plain GET (RFC 3875 §4.1) for the configured path, as php-fpm's ping.path wants. */
    private Params pingParams() {
        String target = check.request().orElseThrow();
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? "" : target.substring(q + 1);
        return Params.builder()
                .add("GATEWAY_INTERFACE", "CGI/1.1")
                .add("SERVER_SOFTWARE", "fcgate")
                .add("SERVER_PROTOCOL", "HTTP/1.1")
                .add("REQUEST_METHOD", "GET")
                .add("REQUEST_URI", target)
                .add("DOCUMENT_URI", path)
                .add("SCRIPT_NAME", path)
                .add("SCRIPT_FILENAME", check.scriptFilename().orElse(path))
                .add("QUERY_STRING", query)
                .add("HTTP_USER_AGENT", "fcgate-health-check")
                .build();
    }

    // ---- the connection ------------------------------------------------------------------------------------------

    @Override
    public void backendRead(ByteBuf data) {
        try {
            if (!done) {
                for (ByteBuffer b : data.nioBuffers()) {
                    handler.decoder().feed(b);
                    if (done) {
                        return;
                    }
                }
            }
        } catch (FcgiProtocolException e) {
            finish("protocol error: " + e.getMessage());
        } finally {
            data.release();
        }
    }

    @Override
    public void backendReadComplete() {
        if (!done) {
            channel.read();
        }
    }

    @Override
    public void backendInactive() {
        finish("connection closed before the answer");
    }

    @Override
    public void backendException(Throwable cause) {
        finish("I/O error: " + cause.getMessage());
    }

    // ---- GET_VALUES --------------------------------------------------------------------------------------------

    @Override
    public void onGetValuesResult(Params values) {
        finish(null);
    }

    @Override
    public void onUnknownType(int type) {
        finish(null); // it speaks FastCGI, it just does not know GET_VALUES
    }

    // ---- the ping request ----------------------------------------------------------------------------------------

    @Override
    public void onStdout(ByteBuffer chunk) throws FcgiProtocolException {
        if (!head.isDone()) {
            head.feed(chunk, 0);
        }
        chunk.position(chunk.limit()); // the body is not needed
    }

    @Override
    public void onStderr(ByteBuffer chunk) {
        chunk.position(chunk.limit());
    }

    @Override
    public void onEnd(int appStatus, ProtocolStatus status) {
        if (status != ProtocolStatus.REQUEST_COMPLETE) {
            finish("END_REQUEST with protocolStatus " + status);
        } else if (!head.isDone()) {
            finish("no response head before END_REQUEST");
        } else {
            int code = head.head().status();
            finish(code >= 200 && code < 400 ? null : "status " + code);
        }
    }

    private void finish(String failure) {
        if (done) {
            return;
        }
        done = true;
        handler.detach(null);
        if (timer != null) {
            timer.cancel(false);
        }
        if (channel != null) {
            channel.close();
        }
        report.accept(failure);
    }
}
