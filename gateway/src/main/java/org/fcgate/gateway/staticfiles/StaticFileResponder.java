package org.fcgate.gateway.staticfiles;

import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.stream.ChunkedNioFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.Date;
import java.util.zip.GZIPOutputStream;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.path.DocumentRoot;

/**
 * Builds the response for a regular file: validators (ETag from size and mtime, Last-Modified), conditional
 * requests (If-None-Match before If-Modified-Since, RFC 9110 §13.2.2 → 304), a single Range (206/416), gzip for
 * compressible types the client accepts (in memory, bounded by {@link StaticOptions#gzipMaxFileBytes()}), and the
 * cheapest way to send the bytes: sendfile unless the channel is encrypted.
 */
public final class StaticFileResponder {

    private final StaticOptions options;

    public StaticFileResponder(StaticOptions options) {
        this.options = options;
    }

    /** The caller has checked that the method is GET or HEAD. */
    public StaticResponse respond(HttpRequest request, DocumentRoot.Lookup.RegularFile file, boolean encrypted)
            throws IOException {
        long size = file.attributes().size();
        long mtime = file.attributes().lastModifiedTime().toMillis();
        String type = MimeTypes.forFileName(file.realPath().getFileName().toString());
        boolean compressible = MimeTypes.isCompressible(type);
        HttpHeaders in = request.headers();
        boolean gzip = compressible && size >= options.gzipMinFileBytes() && size <= options.gzipMaxFileBytes()
                && !in.contains(HttpHeaderNames.RANGE) && Conditionals.acceptsGzip(in.get(HttpHeaderNames.ACCEPT_ENCODING));
        String etag = Conditionals.etag(size, mtime, gzip);
        String lastModified = DateFormatter.format(new Date(mtime));

        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpHeaders out = head.headers();
        out.set(HttpHeaderNames.ETAG, etag);
        out.set(HttpHeaderNames.LAST_MODIFIED, lastModified);
        if (compressible) {
            out.set(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING);
        }
        if (Conditionals.notModified(in, etag, mtime)) {
            head.setStatus(HttpResponseStatus.NOT_MODIFIED);
            return new StaticResponse(head, new StaticResponse.Body.Empty());
        }
        out.set(HttpHeaderNames.CONTENT_TYPE, type);
        out.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
        boolean bodyless = request.method().equals(HttpMethod.HEAD);
        if (gzip) {
            byte[] compressed = gzip(file);
            out.set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
            out.set(HttpHeaderNames.CONTENT_LENGTH, compressed.length);
            return new StaticResponse(head, bodyless ? new StaticResponse.Body.Empty()
                    : new StaticResponse.Body.Bytes(Unpooled.wrappedBuffer(compressed)));
        }
        ByteRange range = new ByteRange(0, size - 1);
        ByteRange.Request asked = Conditionals.rangeApplies(in, etag, lastModified)
                ? ByteRange.parse(in.get(HttpHeaderNames.RANGE), size) : new ByteRange.Request.Whole();
        if (asked instanceof ByteRange.Request.Unsatisfiable) {
            head.setStatus(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
            out.set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size);
            out.set(HttpHeaderNames.CONTENT_LENGTH, 0);
            return new StaticResponse(head, new StaticResponse.Body.Empty());
        }
        if (asked instanceof ByteRange.Request.Partial p) {
            range = p.range();
            head.setStatus(HttpResponseStatus.PARTIAL_CONTENT);
            out.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + range.first() + "-" + range.last() + "/" + size);
        }
        out.set(HttpHeaderNames.CONTENT_LENGTH, size == 0 ? 0 : range.length());
        if (bodyless || size == 0) {
            return new StaticResponse(head, new StaticResponse.Body.Empty());
        }
        FileChannel channel = FileChannel.open(file.realPath(), StandardOpenOption.READ);
        if (options.sendfile() && !encrypted) {
            return new StaticResponse(head, new StaticResponse.Body.Region(
                    new DefaultFileRegion(channel, range.first(), range.length())));
        }
        return new StaticResponse(head, new StaticResponse.Body.Chunks(new HttpChunkedInput(
                new ChunkedNioFile(channel, range.first(), range.length(), 16 * 1024))));
    }

    private static byte[] gzip(DocumentRoot.Lookup.RegularFile file) throws IOException {
        byte[] raw = Files.readAllBytes(file.realPath());
        ByteArrayOutputStream buf = new ByteArrayOutputStream(raw.length / 3 + 64);
        try (GZIPOutputStream z = new GZIPOutputStream(buf)) {
            z.write(raw);
        }
        return buf.toByteArray();
    }
}
