package org.fcgate.gateway.staticfiles;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * A {@code 200 OK} head whose entity header lines were encoded once, when the file was first served ({@link
 * StaticFileResponder}'s cache), so a hit costs no header map and no per-field encoding. The response encoder writes
 * the status line, these lines, Date and the connection header. Anything set through {@link #headers()} is written
 * after them.
 */
public final class PreparedHead extends DefaultHttpResponse {

    /** Connection header the writer asks for. */
    public enum Connection { NONE, KEEP_ALIVE, CLOSE }

    private final byte[] fields;
    private Connection connection = Connection.NONE;
    private HttpHeaders extra;

    PreparedHead(byte[] fields) {
        super(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, EmptyHttpHeaders.INSTANCE);
        this.fields = fields;
    }

    /** ASCII header lines, each ending with CRLF; not to be modified. */
    public byte[] fields() {
        return fields;
    }

    public Connection connection() {
        return connection;
    }

    public void connection(Connection c) {
        this.connection = c;
    }

    /** Headers beyond the prepared ones, or null when there are none. */
    public HttpHeaders extraHeaders() {
        return extra;
    }

    @Override
    public HttpHeaders headers() {
        if (extra == null) {
            extra = new DefaultHttpHeaders();
        }
        return extra;
    }
}
