package org.fcgate.gateway.accesslog;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lines from event loops to a file or stdout without ever blocking them (R66): {@link #offer} puts the line in a
 * bounded queue or, when it is full, drops it and counts it; one writer thread takes lines, batches them and writes
 * when the batch is large or the queue is empty. A write that fails (disk full) drops the batch, counts its lines,
 * is logged once, and writing goes on with the next batch; recovery is logged once too.
 *
 * <p>{@link #reopen()} (SIGUSR1, logrotate) is honoured by the writer thread between two lines (the lines queued
 * before the call, when the queue has room for the request; else the next line): the batch so far
 * goes to the old file, the file is closed, and the path is opened again (created if it was renamed away, with the
 * mode the previous file had when it was opened), so no line is lost or split across the rotation (R77).
 *
 * <p>Lifecycle: {@link #open} → {@link #offer}/{@link #reopen} from any thread → {@link #close()} writes what is
 * queued, then stops.
 */
final class AccessLogWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AccessLogWriter.class);
    static final int QUEUE_CAPACITY = 16 * 1024;
    private static final int BATCH_BYTES = 64 * 1024;
    private static final Object REOPEN = new Object();
    private static final Object STOP = new Object();

    private final Optional<Path> file; // empty: stdout
    private final BlockingQueue<Object> queue;
    private final AtomicBoolean reopenRequested = new AtomicBoolean();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final Thread thread;
    // Writer thread only:
    private OutputStream out;
    private Set<PosixFilePermission> mode;
    private byte[] batch = new byte[BATCH_BYTES * 2];
    private int batchBytes;
    private int batchLines;
    private boolean failing;
    private long droppedWhenFailing;

    private AccessLogWriter(Optional<Path> file, int capacity) {
        this.file = file;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = new Thread(this::run, "fcgate-access-log");
        this.thread.setDaemon(true);
    }

    /** Opens (creates) the file now, so a bad path fails at start; {@code file} empty means stdout. */
    static AccessLogWriter open(Optional<Path> file) throws IOException {
        return open(file, QUEUE_CAPACITY);
    }

    static AccessLogWriter open(Optional<Path> file, int capacity) throws IOException {
        AccessLogWriter w = new AccessLogWriter(file, capacity);
        w.out = file.isPresent() ? w.openFile(file.get()) : System.out;
        w.thread.start();
        return w;
    }

    /** Queues a line (without its newline); never blocks. False when the queue was full and the line dropped. */
    boolean offer(String line) {
        if (queue.offer(line)) {
            return true;
        }
        dropped.incrementAndGet();
        return false;
    }

    /** Asks the writer thread to reopen the file between two lines; a no-op for stdout. Any thread, signal-safe. */
    void reopen() {
        // In line order when the marker fits; a full queue means the writer is busy: it looks at the flag per line.
        if (file.isPresent() && !queue.offer(REOPEN)) {
            reopenRequested.set(true);
        }
    }

    /** Lines dropped: queue full, or their write failed. */
    long dropped() {
        return dropped.get();
    }

    /** Lines written (handed to the OS). */
    long written() {
        return written.get();
    }

    Optional<Path> file() {
        return file;
    }

    @Override
    public void close() {
        try {
            if (queue.offer(STOP, 5, TimeUnit.SECONDS)) {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } else {
                LOG.warn("access log writer did not take its last lines within 5s file={}", describe());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            for (;;) {
                Object item = queue.take();
                if (item == REOPEN || reopenRequested.getAndSet(false)) {
                    reopenNow();
                }
                if (item == STOP) {
                    flush();
                    closeOut();
                    return;
                }
                if (item instanceof String line) {
                    append(line);
                }
                if (batchBytes >= BATCH_BYTES || queue.isEmpty()) {
                    flush();
                }
            }
        } catch (InterruptedException e) {
            flush();
            closeOut();
        }
    }

    private void append(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        int need = batchBytes + bytes.length + 1;
        if (need > batch.length) {
            batch = Arrays.copyOf(batch, Math.max(need, batch.length * 2));
        }
        System.arraycopy(bytes, 0, batch, batchBytes, bytes.length);
        batch[batchBytes + bytes.length] = '\n';
        batchBytes = need;
        batchLines++;
    }

    private void flush() {
        if (batchLines == 0) {
            return;
        }
        try {
            if (out == null) {
                throw new IOException("not open");
            }
            out.write(batch, 0, batchBytes);
            out.flush();
            if (out instanceof PrintStream p && p.checkError()) {
                throw new IOException("stdout write failed");
            }
            written.addAndGet(batchLines);
            if (failing) {
                failing = false;
                LOG.info("access log writes resumed file={} dropped={}", describe(),
                        dropped.get() - droppedWhenFailing);
            }
        } catch (IOException e) {
            dropped.addAndGet(batchLines);
            if (!failing) {
                failing = true;
                droppedWhenFailing = dropped.get() - batchLines;
                LOG.warn("access log write failed file={} lines={}: {}; dropping lines until writes succeed",
                        describe(), batchLines, e.toString());
            }
        } finally {
            batchBytes = 0;
            batchLines = 0;
            if (batch.length > BATCH_BYTES * 4) {
                batch = new byte[BATCH_BYTES * 2];
            }
        }
    }

    private void reopenNow() {
        flush();
        closeOut();
        try {
            out = openFile(file.get());
            LOG.info("access log reopened file={}", describe());
        } catch (IOException e) {
            out = null; // the next flushes count their lines as dropped; the next reopen tries again
            LOG.warn("access log reopen failed file={}: {}", describe(), e.toString());
        }
    }

    private OutputStream openFile(Path path) throws IOException {
        if (mode != null && !Files.exists(path)) {
            try {
                Files.createFile(path);
                Files.setPosixFilePermissions(path, mode); // createFile's mode is masked by the umask
            } catch (FileAlreadyExistsException raced) {
                // someone (logrotate's "create") made it meanwhile: keep theirs
            }
        }
        OutputStream s = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
        try {
            mode = Files.getPosixFilePermissions(path);
        } catch (UnsupportedOperationException | IOException e) {
            mode = null;
        }
        return s;
    }

    private void closeOut() {
        if (out == null || out == System.out) {
            return;
        }
        try {
            out.close();
        } catch (IOException e) {
            LOG.warn("access log close failed file={}: {}", describe(), e.toString());
        }
        out = null;
    }

    private String describe() {
        return file.map(Path::toString).orElse("stdout");
    }
}
