package org.fcgate.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import org.fcgate.gateway.staticfiles.PreparedHead;

/**
 * Netty's {@link HttpResponseEncoder} for every response, except a {@link PreparedHead} (a cached static file): its
 * head is copied into one buffer from pre-encoded bytes (status line, the file's header lines, the Date of this
 * second, the connection header; names in lower case as Netty writes them), and the body that follows (bytes or a file region) goes through untouched up to
 * its {@link LastHttpContent}. Netty's encoder never sees such a response, so its state stays between messages.
 */
final class Http1ResponseEncoder extends HttpResponseEncoder {

    private static final byte[] STATUS_200 = "HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLOSE = "connection: close\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE = "connection: keep-alive\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int CRLF = ('\r' << 8) | '\n';

    /** Between a prepared head and its last content: pass the body through. */
    private boolean passThrough;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof PreparedHead head) {
            ctx.write(encode(ctx, head), promise);
            passThrough = true;
        } else if (passThrough) {
            if (msg instanceof LastHttpContent last) {
                passThrough = false;
                ByteBuf content = last.content();
                ctx.write(content.isReadable() ? content : Unpooled.EMPTY_BUFFER, promise);
            } else if (msg instanceof HttpContent content) {
                ctx.write(content.content(), promise);
            } else {
                ctx.write(msg, promise); // ByteBuf, FileRegion
            }
        } else {
            super.write(ctx, msg, promise);
        }
    }

    private ByteBuf encode(ChannelHandlerContext ctx, PreparedHead head) {
        byte[] date = HttpDate.headerLine();
        byte[] fields = head.fields();
        HttpHeaders extra = head.extraHeaders();
        int size = STATUS_200.length + fields.length + date.length + KEEP_ALIVE.length + 2
                + (extra == null || extra.isEmpty() ? 0 : 256);
        ByteBuf buf = ctx.alloc().buffer(size);
        buf.writeBytes(STATUS_200).writeBytes(fields).writeBytes(date);
        switch (head.connection()) {
            case CLOSE -> buf.writeBytes(CLOSE);
            case KEEP_ALIVE -> buf.writeBytes(KEEP_ALIVE);
            case NONE -> { }
        }
        if (extra != null && !extra.isEmpty()) {
            encodeHeaders(extra, buf);
        }
        buf.writeShort(CRLF);
        return buf;
    }
}
