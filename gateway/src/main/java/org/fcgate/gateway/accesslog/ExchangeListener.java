package org.fcgate.gateway.accesslog;

/** Told once per request, on the connection's event loop, when {@link ExchangeRecorder} sees it end. */
@FunctionalInterface
public interface ExchangeListener {

    /** Must not block: the caller is an event loop. */
    void completed(CompletedExchange exchange);
}
