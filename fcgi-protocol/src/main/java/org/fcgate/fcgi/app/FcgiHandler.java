package org.fcgate.fcgi.app;

/**
 * Application code behind an {@link FcgiServer}, called once per RESPONDER (or other served role) request.
 *
 * <p>The server calls its handler on one serving thread, one request at a time and never concurrently, so a handler
 * may keep mutable state the way legacy CGI code does. While the handler runs, the request body is still arriving:
 * {@link FcgiRequest#body()} blocks until more STDIN is read.
 *
 * <p>An exception thrown here does not stop the server: the response becomes a 500 if nothing was sent yet, one line
 * goes to the web server's error log (STDERR), and END_REQUEST carries appStatus 1. {@link Error}s are not caught:
 * the process is then in an unknown state and its process manager should restart it.
 */
@FunctionalInterface
public interface FcgiHandler {

    void handle(FcgiRequest request, FcgiResponse response) throws Exception;
}
