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

    /** Copies and releases {@code data}; the write happens later, in order. */
    void append(ByteBuf data) {
        byte[] bytes = new byte[data.readableBytes()];
        data.readBytes(bytes);
        data.release();
        long at = written;
        written += bytes.length;
        tail = tail.thenRunAsync(() -> {
            try {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                long pos = at;
                while (b.hasRemaining()) {
                    pos += channel.write(b, pos);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, IO);
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

    /** Closes the file (already unlinked) after pending operations. */
    void close() {
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
