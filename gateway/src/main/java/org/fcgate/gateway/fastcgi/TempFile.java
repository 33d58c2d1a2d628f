package org.fcgate.gateway.fastcgi;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An append-then-read byte spool in a private temp file: created 0600 and unlinked as soon as it is open, so nothing
 * is left behind whatever happens to the process. Every operation runs in order on a small shared executor (file I/O
 * never runs on an event loop); results come back as futures the caller re-posts to its loop.
 *
 * <p>Not thread-safe: one owner calls it from one event loop.
 */
final class TempFile {

    /** File I/O for every temp file of the gateway: two threads, daemon. */
    private static final ExecutorService IO = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "fcgate-tempfile-io");
        t.setDaemon(true);
        return t;
    });

    private FileChannel channel;
    private CompletableFuture<Void> tail;
    private long written;
    private long read;
    private volatile boolean closed;

    TempFile(Path directory, String suffix) {
        tail = CompletableFuture.runAsync(() -> {
            try {
                Path p = Files.createTempFile(directory, "fcgate-", suffix,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                channel = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
                Files.delete(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, IO);
    }

    /** Bytes appended so far (not all necessarily on disk yet). */
    long size() {
        return written;
    }

    /** Bytes not read back yet. */
    long unread() {
        return written - read;
    }

    /**
     * Takes {@code data} and writes it later, in order, releasing it once written (or once a previous operation
     * failed, or the file was closed). The future completes when the bytes are on disk, or fails with the error of
     * this write or an earlier one.
     */
    CompletableFuture<Void> append(ByteBuf data) {
        long at = written;
        written += data.readableBytes();
        CompletableFuture<Void> done = tail.handleAsync((v, earlier) -> {
            try {
                if (earlier != null) {
                    throw earlier instanceof CompletionException c ? c : new CompletionException(earlier);
                }
                if (closed) {
                    return null;
                }
                long pos = at;
                for (ByteBuffer b : data.nioBuffers()) {
                    while (b.hasRemaining()) {
                        pos += channel.write(b, pos);
                    }
                }
                return null;
            } catch (IOException e) {
                throw new CompletionException(e);
            } finally {
                data.release();
            }
        }, IO);
        tail = done;
        return done;
    }

    /** Reads the next {@code max} unread bytes (fewer at the end), after every append made so far. */
    CompletableFuture<ByteBuffer> read(int max) {
        int n = (int) Math.min(max, unread());
        long at = read;
        read += n;
        CompletableFuture<ByteBuffer> result = tail.thenApplyAsync(v -> {
            try {
                ByteBuffer b = ByteBuffer.allocate(n);
                long pos = at;
                while (b.hasRemaining()) {
                    int r = channel.read(b, pos);
                    if (r < 0) {
                        throw new IOException("temp file shorter than written");
                    }
                    pos += r;
                }
                return b.flip();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, IO);
        tail = result.thenAccept(b -> { });
        return result;
    }

    /** Closes the file (already unlinked) after pending operations, which no longer write. */
    void close() {
        closed = true;
        tail.whenCompleteAsync((v, e) -> {
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException ignored) {
                // Nothing to keep: the file was unlinked at creation.
            }
        }, IO);
    }
}
