package org.fcgate.fcgi.protocol;

/** The protocolStatus of an FCGI_END_REQUEST body (FastCGI 1.0 §5.5). */
public enum ProtocolStatus {
    /** Normal end of request. */
    REQUEST_COMPLETE(0),
    /** The application refuses a second concurrent request on a connection that cannot multiplex. */
    CANT_MPX_CONN(1),
    /** The application ran out of a resource, e.g. database connections. */
    OVERLOADED(2),
    /** The application does not serve the role the request asked for. */
    UNKNOWN_ROLE(3);

    private final int code;

    ProtocolStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The status with this wire value, or {@code null} for a value FastCGI 1.0 does not define. */
    public static ProtocolStatus ofCode(int code) {
        for (ProtocolStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return null;
    }
}
