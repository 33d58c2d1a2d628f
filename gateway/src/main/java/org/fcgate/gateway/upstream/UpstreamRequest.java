package org.fcgate.gateway.upstream;

import io.netty.handler.codec.http.HttpRequest;
import java.net.SocketAddress;
import java.nio.file.Path;
import org.fcgate.gateway.path.RequestPath;
import org.fcgate.gateway.path.ScriptResolver;

/**
 * Everything a forwarder needs to build the CGI/1.1 environment (RFC 3875 §4.1) for one request.
 *
 * @param head       method, raw request target (REQUEST_URI), version and validated headers
 * @param path       the decoded, normalised path that was routed (may differ from the target after try-files)
 * @param query      the raw query string without '?', or empty (QUERY_STRING)
 * @param host       the effective host: the absolute-form authority or the Host header (HTTP_HOST, SERVER_NAME)
 * @param script     SCRIPT_NAME, SCRIPT_FILENAME, PATH_INFO
 * @param documentRoot the route's real document root (DOCUMENT_ROOT, PATH_TRANSLATED)
 * @param remote     the client (REMOTE_ADDR, REMOTE_PORT)
 * @param local      the listening side (SERVER_ADDR, SERVER_PORT)
 * @param bodyLength the declared Content-Length, or -1 for a chunked body (CONTENT_LENGTH is then set after
 *                   buffering, as php-fpm needs it)
 * @param secure     whether the client connection is TLS (HTTPS=on)
 */
public record UpstreamRequest(HttpRequest head, RequestPath path, String query, String host,
                              ScriptResolver.Script script, Path documentRoot, SocketAddress remote, SocketAddress local,
                              long bodyLength, boolean secure) {

    /** The request URI for logs and the pool scoreboard: the raw target, which never holds CR or LF. */
    public String uri() {
        return head.uri();
    }
}
