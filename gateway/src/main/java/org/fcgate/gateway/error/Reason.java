package org.fcgate.gateway.error;

/**
 * Why a request was refused: a stable code for logs and tests, and the status it is answered with. The message is
 * what the client sees in the body; it never echoes request bytes.
 */
public enum Reason {
    // Request line (RFC 9112 §3)
    BAD_REQUEST_LINE(400, "malformed request line"),
    BAD_METHOD(400, "malformed method"),
    METHOD_NOT_IMPLEMENTED(501, "method not implemented"),
    BAD_REQUEST_TARGET(400, "malformed request target"),
    BAD_VERSION(400, "malformed HTTP version"),
    VERSION_NOT_SUPPORTED(505, "HTTP version not supported"),
    REQUEST_LINE_TOO_LONG(414, "request line too long"),
    LEADING_GARBAGE(400, "bytes before the request line"),
    // Line syntax (RFC 9112 §2.2)
    BARE_LF(400, "line not terminated by CRLF"),
    BARE_CR(400, "CR not followed by LF"),
    // Header fields (RFC 9112 §5, RFC 9110 §5)
    OBS_FOLD(400, "obsolete line folding"),
    MISSING_COLON(400, "header line without colon"),
    BAD_HEADER_NAME(400, "invalid header name"),
    BAD_HEADER_VALUE(400, "invalid header value"),
    HEADERS_TOO_LARGE(431, "request header fields too large"),
    TOO_MANY_HEADERS(431, "too many request header fields"),
    // Message framing (RFC 9112 §6)
    CONTENT_LENGTH_WITH_TRANSFER_ENCODING(400, "both Content-Length and Transfer-Encoding"),
    BAD_CONTENT_LENGTH(400, "invalid Content-Length"),
    DUPLICATE_CONTENT_LENGTH(400, "more than one Content-Length"),
    DUPLICATE_TRANSFER_ENCODING(400, "more than one Transfer-Encoding"),
    CHUNKED_NOT_FINAL(400, "chunked is not the single final transfer coding"),
    TRANSFER_CODING_NOT_IMPLEMENTED(501, "transfer coding not implemented"),
    TRANSFER_ENCODING_IN_HTTP10(400, "Transfer-Encoding in an HTTP/1.0 request"),
    LENGTH_REQUIRED(411, "length required"),
    BAD_CHUNK(400, "malformed chunked body"),
    BODY_TOO_LARGE(413, "request body too large"),
    EXPECTATION_FAILED(417, "expectation not supported"),
    // Host (RFC 9112 §3.2)
    MISSING_HOST(400, "missing Host"),
    DUPLICATE_HOST(400, "more than one Host"),
    BAD_HOST(400, "invalid Host"),
    // Timeouts
    HEAD_TIMEOUT(408, "request head not received in time"),
    BODY_TIMEOUT(408, "request body not received in time"),
    // Path (RFC 3986 §2.1, §5.2.4)
    BAD_PERCENT_ENCODING(400, "invalid percent-encoding"),
    BAD_PATH_ENCODING(400, "path is not valid UTF-8"),
    BAD_PATH_CHARACTER(400, "invalid character in path"),
    PATH_ABOVE_ROOT(400, "path climbs above the root"),
    ENCODED_SLASH(404, "not found"),
    DENIED_PATH(404, "not found"),
    NOT_FOUND(404, "not found"),
    METHOD_NOT_ALLOWED(405, "method not allowed"),
    // Upstreams
    NO_UPSTREAM(502, "no upstream configured"),
    // FastCGI forwarding (docs/gateway.md, "Errors")
    PARAMS_TOO_LARGE(431, "request header fields too large for the backend"),
    BACKEND_OVERLOADED(503, "service overloaded, retry later"),
    BACKEND_UNAVAILABLE(502, "backend unavailable"),
    NO_LIVE_SERVER(503, "no backend server available, retry later"),
    BACKEND_CONNECT_TIMEOUT(504, "backend did not accept the connection in time"),
    BACKEND_TIMEOUT(504, "backend timed out"),
    BACKEND_FAILED(502, "backend failed"),
    BACKEND_PROTOCOL_ERROR(502, "backend sent an invalid response"),
    TOO_MANY_REDIRECTS(500, "too many internal redirects"),
    PROXY_NOT_IMPLEMENTED(501, "proxy routes are not implemented"),
    // Our own bug: an unexpected exception while serving (logged at ERROR with its stack trace)
    INTERNAL_ERROR(500, "internal server error");

    private final int status;
    private final String message;

    Reason(int status, String message) {
        this.status = status;
        this.message = message;
    }

    public int status() {
        return status;
    }

    public String message() {
        return message;
    }
}
