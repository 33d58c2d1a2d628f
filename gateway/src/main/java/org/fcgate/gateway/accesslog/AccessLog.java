package org.fcgate.gateway.accesslog;

import java.time.ZoneId;

/** Formats each completed request on its event loop (no I/O) and queues the line for the writer thread. */
final class AccessLog implements ExchangeListener {

    private final AccessLogFormat format;
    private final AccessLogWriter writer;
    private final ZoneId zone = ZoneId.systemDefault();

    AccessLog(AccessLogFormat format, AccessLogWriter writer) {
        this.format = format;
        this.writer = writer;
    }

    @Override
    public void completed(CompletedExchange exchange) {
        writer.offer(format.line(exchange, zone));
    }
}
