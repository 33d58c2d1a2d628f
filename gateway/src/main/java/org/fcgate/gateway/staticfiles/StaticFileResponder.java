package org.fcgate.gateway.staticfiles;

import io.netty.buffer.ByteBuf;
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
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Date;
import java.util.Objects;
import java.util.zip.GZIPOutputStream;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.path.LruCache;

/**
 * Builds the response for a regular file: validators (ETag from size and mtime, Last-Modified), conditional
 * requests (If-None-Match before If-Modified-Since, RFC 9110 §13.2.2 → 304), a single Range (206/416), gzip for
 * compressible types the client accepts (in memory, bounded by {@link StaticOptions#gzipMaxFileBytes()}), and the
 * cheapest way to send the bytes: sendfile unless the channel is encrypted.
 */
public final class StaticFileResponder {

    /**
     * What a plain {@code 200} for one version of a file needs, computed once: its header lines, and its bytes when it
     * is small ({@link DocumentRoot#DEFAULT_TRUSTED_FILE_BYTES}; a direct buffer lent out as retained duplicates). Valid while the file's size, mtime and identity are those of the lookup.
     */
    private static final class Prepared {
        final long size;
        final FileTime mtime;
        final Object fileKey;
        final byte[] fields;
        final ByteBuf content;
        /** Compressible and within the gzip bounds: gzipped for a client that accepts it. */
        final boolean gzipCandidate;
        /** Made again after open_file_cache_valid even when the file looks the same (same-size rewrite in one tick). */
        final long expiresNanos;
        private volatile Gzipped gzipped;

        Prepared(BasicFileAttributes a, byte[] fields, ByteBuf content, boolean gzipCandidate, long expiresNanos) {
            this.gzipCandidate = gzipCandidate;
            this.expiresNanos = expiresNanos;
            this.size = a.size();
            this.mtime = a.lastModifiedTime();
            this.fileKey = a.fileKey();
            this.fields = fields;
            this.content = content;
        }

        /** The gzip representation of {@link #content} (not null), made on first use; a race makes it twice. */
        Gzipped gzipped(String type) throws IOException {
            Gzipped g = gzipped;
            if (g == null) {
                byte[] raw = new byte[content.readableBytes()];
                content.getBytes(content.readerIndex(), raw);
                byte[] compressed = gzip(raw);
                long mtimeMillis = mtime.toMillis();
                String f = "etag: " + Conditionals.etag(size, mtimeMillis, true) + "\r\n"
                        + "last-modified: " + DateFormatter.format(new Date(mtimeMillis)) + "\r\n"
                        + "vary: accept-encoding\r\n"
                        + "content-type: " + type + "\r\n"
                        + "accept-ranges: bytes\r\n"
                        + "content-encoding: gzip\r\n"
                        + "content-length: " + compressed.length + "\r\n";
                ByteBuffer direct = ByteBuffer.allocateDirect(compressed.length).put(compressed).flip();
                g = new Gzipped(f.getBytes(StandardCharsets.US_ASCII), Unpooled.wrappedBuffer(direct));
                gzipped = g;
            }
            return g;
        }

        boolean matches(BasicFileAttributes a) {
            return a.size() == size && a.lastModifiedTime().equals(mtime) && Objects.equals(a.fileKey(), fileKey);
        }
    }

    /** A prepared file's gzip representation: header lines and bytes (never released, as {@link #read}'s). */
    private record Gzipped(byte[] fields, ByteBuf content) { }

    private final StaticOptions options;
    /**
     * Real path → prepared response, the least recently used dropped when full ({@link LruCache}); null when the open
     * file cache is off. An entry not used within open_file_cache_valid is dropped: it would be prepared again anyway.
     */
    private final LruCache<Path, Prepared> prepared;

    public StaticFileResponder(StaticOptions options) {
        this.options = options;
        this.prepared = options.openFileCacheOn() ? new LruCache<>(options.openFileCacheMax(),
                options.openFileCacheValid().toNanos(), System.nanoTime()) : null;
    }

    /** The caller has checked that the method is GET or HEAD. */
    public StaticResponse respond(HttpRequest request, DocumentRoot.Lookup.RegularFile file, boolean encrypted)
            throws IOException {
        HttpHeaders in = request.headers();
        if (prepared != null && !in.contains(HttpHeaderNames.RANGE) && !in.contains(HttpHeaderNames.IF_NONE_MATCH)
                && !in.contains(HttpHeaderNames.IF_MODIFIED_SINCE)) {
            StaticResponse fast = plain(request, file, encrypted);
            if (fast != null) {
                return fast;
            }
        }
        BasicFileAttributes attrs = file.attributes();
        if (prepared != null && attrs.size() <= DocumentRoot.DEFAULT_TRUSTED_FILE_BYTES) {
            // A small file's lookup may come from the open file cache without a stat, but this answer reads the
            // file now: its validators and length must be the file's as it is now.
            attrs = Files.readAttributes(file.realPath(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attrs.isRegularFile()) {
                throw new NoSuchFileException(file.realPath().toString(), null, "no longer a regular file");
            }
        }
        long size = attrs.size();
        long mtime = attrs.lastModifiedTime().toMillis();
        String type = MimeTypes.forFileName(file.realPath().getFileName().toString());
        boolean compressible = MimeTypes.isCompressible(type);
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
        return body(head, file.realPath(), range, encrypted);
    }

    private StaticResponse body(HttpResponse head, Path path, ByteRange range, boolean encrypted) throws IOException {
        // The real path has no symlink; one put there since the lookup is not followed (ELOOP: 404).
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        if (options.sendfile() && !encrypted) {
            return new StaticResponse(head, new StaticResponse.Body.Region(
                    new DefaultFileRegion(channel, range.first(), range.length())));
        }
        return new StaticResponse(head, new StaticResponse.Body.Chunks(new HttpChunkedInput(
                new ChunkedNioFile(channel, range.first(), range.length(), 16 * 1024))));
    }

    /**
     * A whole {@code 200} (GET or HEAD) without preconditions or ranges, from the cache. A small file to be gzipped for
     * this client is compressed once per version and kept with the plain bytes; null for a large one (the general
     * path gzips it).
     */
    private StaticResponse plain(HttpRequest request, DocumentRoot.Lookup.RegularFile file, boolean encrypted)
            throws IOException {
        BasicFileAttributes a = file.attributes();
        long now = System.nanoTime();
        Prepared p = prepared.get(file.realPath(), now);
        if (p == null || !p.matches(a) || now - p.expiresNanos >= 0) {
            p = prepare(file, now);
        }
        long size = a.size();
        if (p.content == null && size > 0 && size <= DocumentRoot.DEFAULT_TRUSTED_FILE_BYTES) {
            return null; // it changed while being read: the general path answers from the file as it is now
        }
        boolean bodyless = request.method().equals(HttpMethod.HEAD) || size == 0;
        if (p.gzipCandidate && Conditionals.acceptsGzip(request.headers().get(HttpHeaderNames.ACCEPT_ENCODING))) {
            Gzipped gz = p.content != null ? p.gzipped(type(file)) : null;
            if (gz == null) {
                return null;
            }
            return new StaticResponse(new PreparedHead(gz.fields), bodyless ? new StaticResponse.Body.Empty()
                    : new StaticResponse.Body.Bytes(gz.content.retainedDuplicate()));
        }
        PreparedHead head = new PreparedHead(p.fields);
        if (bodyless) {
            return new StaticResponse(head, new StaticResponse.Body.Empty());
        }
        if (p.content != null) {
            return new StaticResponse(head, new StaticResponse.Body.Bytes(p.content.retainedDuplicate()));
        }
        return body(head, file.realPath(), new ByteRange(0, size - 1), encrypted);
    }

    private Prepared prepare(DocumentRoot.Lookup.RegularFile file, long now) throws IOException {
        BasicFileAttributes a = file.attributes();
        long size = a.size();
        long mtime = a.lastModifiedTime().toMillis();
        String type = MimeTypes.forFileName(file.realPath().getFileName().toString());
        StringBuilder f = new StringBuilder(200);
        f.append("etag: ").append(Conditionals.etag(size, mtime, false)).append("\r\n");
        f.append("last-modified: ").append(DateFormatter.format(new Date(mtime))).append("\r\n");
        if (MimeTypes.isCompressible(type)) {
            f.append("vary: accept-encoding\r\n");
        }
        f.append("content-type: ").append(type).append("\r\n");
        f.append("accept-ranges: bytes\r\n");
        f.append("content-length: ").append(size).append("\r\n");
        ByteBuf content = size > 0 && size <= DocumentRoot.DEFAULT_TRUSTED_FILE_BYTES ? read(file) : null;
        boolean gzipCandidate = MimeTypes.isCompressible(type) && size >= options.gzipMinFileBytes()
                && size <= options.gzipMaxFileBytes();
        Prepared p = new Prepared(a, f.toString().getBytes(StandardCharsets.US_ASCII), content, gzipCandidate,
                now + options.openFileCacheValid().toNanos());
        if (content == null && size > 0 && size <= DocumentRoot.DEFAULT_TRUSTED_FILE_BYTES) {
            return p; // not kept: read again next time
        }
        prepared.put(file.realPath(), p, now);
        return p;
    }

    /**
     * The bytes of a small file, or null when it changed while being read (it is then sent from the file itself): the
     * file is checked again after reading (same size, mtime and identity as the lookup saw). The buffer wraps a JDK
     * direct buffer and is never released by the cache, not even when evicted (the garbage collector frees it with its
     * last duplicate): releasing it there could race a hit on another event loop taking a duplicate of an entry it had
     * just looked up. So a duplicate lent to a connection stays valid whatever the cache does meanwhile.
     */
    private static ByteBuf read(DocumentRoot.Lookup.RegularFile file) throws IOException {
        int size = (int) file.attributes().size();
        ByteBuffer bytes = ByteBuffer.allocateDirect(size);
        try (FileChannel ch = FileChannel.open(file.realPath(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            if (ch.size() != size) {
                return null;
            }
            while (bytes.hasRemaining() && ch.read(bytes, bytes.position()) > 0) {
                // read(dst, position) does not move the channel: the file position is what was read so far
            }
        }
        BasicFileAttributes after = Files.readAttributes(file.realPath(), BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        BasicFileAttributes a = file.attributes();
        boolean same = !bytes.hasRemaining() && after.size() == a.size()
                && after.lastModifiedTime().equals(a.lastModifiedTime()) && Objects.equals(after.fileKey(), a.fileKey());
        return same ? Unpooled.wrappedBuffer(bytes.flip()) : null;
    }

    private static String type(DocumentRoot.Lookup.RegularFile file) {
        return MimeTypes.forFileName(file.realPath().getFileName().toString());
    }

    private static byte[] gzip(DocumentRoot.Lookup.RegularFile file) throws IOException {
        return gzip(Files.readAllBytes(file.realPath()));
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(raw.length / 3 + 64);
        try (GZIPOutputStream z = new GZIPOutputStream(buf)) {
            z.write(raw);
        }
        return buf.toByteArray();
    }
}
