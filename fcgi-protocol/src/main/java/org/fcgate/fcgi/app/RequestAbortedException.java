package org.fcgate.fcgi.app;

import java.io.IOException;

/**
 * Thrown by {@link FcgiRequest#body()} once the web server sent FCGI_ABORT_REQUEST (FastCGI 1.0 §5.4) or the
 * connection was lost: no more request body will come and nothing written to the response will be delivered.
 */
public final class RequestAbortedException extends IOException {

    public RequestAbortedException(String message) {
        super(message);
    }
}
