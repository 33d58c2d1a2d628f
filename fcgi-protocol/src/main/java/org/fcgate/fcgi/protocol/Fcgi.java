package org.fcgate.fcgi.protocol;

/** Numeric constants of FastCGI 1.0 (§8) that are not record types, roles or statuses. */
public final class Fcgi {
    /** {@code FCGI_VERSION_1}: the only version this protocol defines. */
    public static final int VERSION_1 = 1;
    /** {@code FCGI_HEADER_LEN}: every record starts with an 8-byte header. */
    public static final int HEADER_LEN = 8;
    /** contentLength is a 16-bit field, so a record carries at most this many content bytes. */
    public static final int MAX_CONTENT_LENGTH = 0xFFFF;
    /** paddingLength is an 8-bit field. */
    public static final int MAX_PADDING_LENGTH = 0xFF;
    /** {@code FCGI_NULL_REQUEST_ID}: the id of management records. */
    public static final int NULL_REQUEST_ID = 0;
    /** Request ids are 16-bit. */
    public static final int MAX_REQUEST_ID = 0xFFFF;
    /** {@code FCGI_KEEP_CONN}: flag of FCGI_BEGIN_REQUEST asking the application to keep the connection open. */
    public static final int KEEP_CONN = 1;
    /** Length of the fixed bodies of BEGIN_REQUEST, END_REQUEST and UNKNOWN_TYPE. */
    public static final int FIXED_BODY_LEN = 8;
    /** {@code FCGI_LISTENSOCK_FILENO}: a child started by a process manager finds its listen socket on fd 0 (§2.2). */
    public static final int LISTENSOCK_FILENO = 0;

    /** GET_VALUES variable: the maximum number of concurrent transport connections the application accepts. */
    public static final String MAX_CONNS = "FCGI_MAX_CONNS";
    /** GET_VALUES variable: the maximum number of concurrent requests the application accepts. */
    public static final String MAX_REQS = "FCGI_MAX_REQS";
    /** GET_VALUES variable: "1" when the application multiplexes connections, else "0". */
    public static final String MPXS_CONNS = "FCGI_MPXS_CONNS";

    private Fcgi() {
    }

    /** Padding that brings {@code contentLength} to a multiple of 8, as §3.3 recommends. */
    public static int paddingFor(int contentLength) {
        return -contentLength & 7;
    }
}
