package org.fcgate.gateway.accesslog;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log and the slow-request log of one gateway, as {@link AccessLogOptions} describe them.
 *
 * <p>Lifecycle: {@link #start} (opens the file, so a bad path fails before listening; registers for SIGUSR1) →
 * the public listener's pipelines get {@link #listeners()} and {@link #slowLog()} through the connection's one
 * {@code ExchangeRecorder} → {@link #close()} after the listener has stopped (writes what is queued).
 */
public final class AccessLogging implements AutoCloseable, MeterBinder {

    private static final Logger LOG = LoggerFactory.getLogger(AccessLogging.class);

    private final AccessLogWriter writer; // null: access log off
    private final List<ExchangeListener> listeners;
    private final SlowRequestLog slowLog; // null: off
    private final Runnable reopen;

    private AccessLogging(AccessLogWriter writer, List<ExchangeListener> listeners, SlowRequestLog slowLog) {
        this.writer = writer;
        this.listeners = listeners;
        this.slowLog = slowLog;
        this.reopen = writer == null ? () -> { } : writer::reopen;
    }

    public static AccessLogging disabled() {
        return new AccessLogging(null, List.of(), null);
    }

    public static AccessLogging start(AccessLogOptions options) throws IOException {
        SlowRequestLog slow = options.slowRequestTimeout().map(SlowRequestLog::new).orElse(null);
        AccessLogDestination d = options.destination();
        if (d instanceof AccessLogDestination.Off) {
            return new AccessLogging(null, List.of(), slow);
        }
        Optional<java.nio.file.Path> file = d instanceof AccessLogDestination.File f ? Optional.of(f.path())
                : Optional.empty();
        AccessLogWriter writer;
        try {
            writer = AccessLogWriter.open(file);
        } catch (IOException e) {
            throw new IOException("cannot open access log " + file.get() + ": " + e.getMessage(), e);
        }
        AccessLogging logging = new AccessLogging(writer, List.of(new AccessLog(options.format(), writer)), slow);
        LogReopenSignal.register(logging.reopen);
        if (file.isPresent()) {
            LogReopenSignal.install();
        }
        LOG.debug("access log to {} ({})", file.map(Object::toString).orElse("stdout"), options.format());
        return logging;
    }

    /** The access log as a listener of each request's completion; empty when off. */
    public List<ExchangeListener> listeners() {
        return listeners;
    }

    /** The slow-request log, or null when {@code slow_request_timeout} is off. */
    public SlowRequestLog slowLog() {
        return slowLog;
    }

    /** Reopens the file between two lines (what SIGUSR1 does for every open access log). */
    public void reopen() {
        reopen.run();
    }

    /** Lines dropped because the queue was full or their write failed. */
    public long dropped() {
        return writer == null ? 0 : writer.dropped();
    }

    /** Lines handed to the OS. */
    public long written() {
        return writer == null ? 0 : writer.written();
    }

    /** {@code fcgate_access_log_dropped_total}. */
    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("fcgate.access.log.dropped", this, AccessLogging::dropped)
                .description("Access log lines dropped: queue full (the event loops never wait) or write failed")
                .register(registry);
    }

    @Override
    public void close() {
        LogReopenSignal.unregister(reopen);
        if (writer != null) {
            writer.close();
        }
    }
}
