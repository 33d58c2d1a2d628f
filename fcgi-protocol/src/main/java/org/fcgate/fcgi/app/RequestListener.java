package org.fcgate.fcgi.app;

import java.nio.ByteBuffer;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.Role;

/**
 * Receives what a web server sends to an application, as an {@link ApplicationRequestDecoder} decodes it.
 * Chunks are valid only during the call; an exception thrown here fails the connection.
 */
public interface RequestListener {

    /**
     * FCGI_BEGIN_REQUEST (§5.1). {@code role} is {@code null} when {@code roleCode} is not a FastCGI 1.0 role; the
     * application then answers END_REQUEST with UNKNOWN_ROLE.
     */
    void onBeginRequest(int requestId, Role role, int roleCode, boolean keepConn) throws FcgiProtocolException;

    /**
     * A BEGIN_REQUEST for {@code requestId} arrived while that request's input has ended but the application has not
     * completed it yet: a web server writing its next request ahead on a kept connection (fcgate's pool setting
     * {@code write_ahead}). An application that reads only between requests never sees this; one that keeps reading
     * during a request (to notice ABORT_REQUEST) may block here until the request is completed and
     * {@link ApplicationRequestDecoder#complete} was called, then return true: the BEGIN_REQUEST is then decoded as
     * the next request. Default: false, and the BEGIN_REQUEST is a protocol error (an id still in use).
     */
    default boolean awaitCompletion(int requestId) {
        return false;
    }

    /** The whole PARAMS stream, once its empty record arrived. */
    void onParams(int requestId, Params params) throws FcgiProtocolException;

    /** Bytes of the STDIN stream (the request body). */
    void onStdin(int requestId, ByteBuffer chunk) throws FcgiProtocolException;

    /** The STDIN stream's empty record: the body is complete. */
    void onStdinEnd(int requestId) throws FcgiProtocolException;

    /** Bytes of the DATA stream (FILTER role only). */
    default void onData(int requestId, ByteBuffer chunk) throws FcgiProtocolException {
    }

    /** The DATA stream ended (FILTER role only). */
    default void onDataEnd(int requestId) throws FcgiProtocolException {
    }

    /** FCGI_ABORT_REQUEST (§5.4) for an active request. */
    void onAbort(int requestId) throws FcgiProtocolException;

    /** FCGI_GET_VALUES (§4.1): the names asked for; answer with GET_VALUES_RESULT. */
    void onGetValues(Params query) throws FcgiProtocolException;

    /** A management record this application does not know (§4.2): answer with UNKNOWN_TYPE. */
    void onUnknownManagementRecord(int type) throws FcgiProtocolException;
}
