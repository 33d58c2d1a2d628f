package org.fcgate.gateway.http;

import io.netty.handler.codec.http.HttpRequest;

/**
 * A request head that passed every syntax and framing check; what the decoder emits before the body.
 *
 * @param request        method, raw target, version and headers, as Netty types for the response path and phase 2
 * @param target         the parsed target
 * @param host           the effective host (absolute-form authority, else Host, else empty for HTTP/1.0)
 * @param framing        how the body is delimited
 * @param keepAlive      whether the connection may serve another request after this one
 * @param expectContinue whether the client waits for {@code 100 Continue} (HTTP/1.1 with a body only)
 */
public record RequestHead(HttpRequest request, RequestTarget target, String host, BodyFraming framing,
                          boolean keepAlive, boolean expectContinue) {
}
