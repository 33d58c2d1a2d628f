package org.fcgate.fcgi.client;

import java.nio.ByteBuffer;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.ProtocolStatus;

/**
 * Receives one request's response as a {@link ClientResponseDecoder} decodes it. Chunks are valid only during the
 * call. An exception thrown here fails the whole connection (the decoder is terminal afterwards).
 */
public interface ResponseListener {

    /** Bytes of the application's STDOUT stream: the CGI response, head then body. */
    void onStdout(ByteBuffer chunk) throws FcgiProtocolException;

    /** The STDOUT stream's terminating empty record arrived. Optional in practice: END_REQUEST also ends it. */
    default void onStdoutEnd() throws FcgiProtocolException {
    }

    /** Bytes of the application's STDERR stream (error log text). */
    void onStderr(ByteBuffer chunk) throws FcgiProtocolException;

    /** FCGI_END_REQUEST: the request is complete; no record for it may follow. */
    void onEnd(int appStatus, ProtocolStatus status) throws FcgiProtocolException;
}
