package org.fcgate.fcgi.app;

import java.io.IOException;

/**
 * File descriptor 0 ({@code FCGI_LISTENSOCK_FILENO}, FastCGI 1.0 §2.2) is not a listening socket: the application was
 * started by hand or by a process manager that does not pass the socket that way.
 */
public final class NotAListenSocketException extends IOException {

    public NotAListenSocketException(String message) {
        super(message);
    }
}
