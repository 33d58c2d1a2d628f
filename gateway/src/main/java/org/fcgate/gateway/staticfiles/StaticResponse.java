package org.fcgate.gateway.staticfiles;

import io.netty.buffer.ByteBuf;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.stream.ChunkedInput;

/** A static response: its head (with Content-Length) and how its body is sent. */
public record StaticResponse(HttpResponse head, Body body) {

    /** The body; the writer owns it and releases or closes it. */
    public sealed interface Body {
        /** HEAD, 304, 416: no body bytes. */
        record Empty() implements Body { }

        /** Bytes in memory (gzipped files). */
        record Bytes(ByteBuf content) implements Body { }

        /** Zero-copy sendfile(2). */
        record Region(FileRegion region) implements Body { }

        /** Read through user space in chunks, when something (TLS) must see the bytes; ends with LastHttpContent. */
        record Chunks(ChunkedInput<HttpContent> input) implements Body { }
    }
}
