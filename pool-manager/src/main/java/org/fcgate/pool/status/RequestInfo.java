package org.fcgate.pool.status;

/**
 * What the caller of {@code Pool.acquire} says about the request a lease is for, shown on the status page's
 * per-process block (php-fpm's request method, request URI, content length and script).
 *
 * @param method        the HTTP method, empty when unknown
 * @param uri           the request path without its query string (never a query: it may carry secrets)
 * @param contentLength the request body's length, 0 without a body
 * @param script        the script file run for the request, empty when unknown
 */
public record RequestInfo(String method, String uri, long contentLength, String script) {

    public RequestInfo {
        method = method == null ? "" : method;
        uri = uri == null ? "" : uri;
        script = script == null ? "" : script;
        if (contentLength < 0) {
            throw new IllegalArgumentException("contentLength: " + contentLength);
        }
    }

    /** Only a URI, as {@code Pool.acquire(String)} callers give it. */
    public static RequestInfo ofUri(String uri) {
        return new RequestInfo("", uri, 0, "");
    }
}
