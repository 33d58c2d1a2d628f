package org.fcgate.fcgi.app;

import java.io.InputStream;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.Role;

/**
 * One request as a handler sees it: the role, the PARAMS (CGI variables, RFC 3875 §4.1) and the body (STDIN).
 *
 * <p>The body is streamed: {@link #body()} returns bytes as the web server sends them and -1 after the empty STDIN
 * record. After FCGI_ABORT_REQUEST (§5.4) or a lost connection, {@link #isAborted()} is true and reading the body
 * throws {@link RequestAbortedException}; a handler that computes for long should check {@link #isAborted()}.
 * Valid only during {@link FcgiHandler#handle}.
 */
public final class FcgiRequest {

    private final int requestId;
    private final Role role;
    private final boolean keepConn;
    private final Params params;
    private final BodyPipe body;
    private volatile boolean aborted;

    FcgiRequest(int requestId, Role role, boolean keepConn, Params params, BodyPipe body) {
        this.requestId = requestId;
        this.role = role;
        this.keepConn = keepConn;
        this.params = params;
        this.body = body;
    }

    /** The FastCGI request id (1..65535) the web server chose. */
    public int requestId() {
        return requestId;
    }

    public Role role() {
        return role;
    }

    /** Whether the web server asked to keep the connection open after this request (FCGI_KEEP_CONN, §5.1). */
    public boolean keepConn() {
        return keepConn;
    }

    /** All PARAMS in the order sent. */
    public Params params() {
        return params;
    }

    /** The last value of a parameter (UTF-8), or {@code null}. */
    public String param(String name) {
        return params.get(name);
    }

    /** The last value of a parameter (UTF-8), or {@code defaultValue}. */
    public String param(String name, String defaultValue) {
        String v = params.get(name);
        return v == null ? defaultValue : v;
    }

    /** The request body (STDIN) as it arrives. */
    public InputStream body() {
        return body;
    }

    /** True once the web server aborted the request or the connection was lost. */
    public boolean isAborted() {
        return aborted;
    }

    void markAborted() {
        aborted = true;
    }
}
