package org.fcgate.fcgi.protocol;

/**
 * FastCGI 1.0 record types (specification §8, {@code FCGI_BEGIN_REQUEST} … {@code FCGI_UNKNOWN_TYPE}).
 *
 * <p>Management records (§3.4) travel with request id 0; the others belong to one request.
 */
public enum RecordType {
    BEGIN_REQUEST(1, false),
    ABORT_REQUEST(2, false),
    END_REQUEST(3, false),
    PARAMS(4, false),
    STDIN(5, false),
    STDOUT(6, false),
    STDERR(7, false),
    DATA(8, false),
    GET_VALUES(9, true),
    GET_VALUES_RESULT(10, true),
    UNKNOWN_TYPE(11, true);

    private static final RecordType[] BY_CODE = new RecordType[12];

    static {
        for (RecordType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;
    private final boolean management;

    RecordType(int code, boolean management) {
        this.code = code;
        this.management = management;
    }

    /** The wire value of this type. */
    public int code() {
        return code;
    }

    /** True for the types defined as management records (§3.4), which carry request id 0. */
    public boolean isManagement() {
        return management;
    }

    /** The type with this wire value, or {@code null} when FastCGI 1.0 defines none (§5.2: answer UNKNOWN_TYPE). */
    public static RecordType ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** A readable name for a wire value, known or not, for errors and logs. */
    public static String describe(int code) {
        RecordType t = ofCode(code);
        return t != null ? t.name() : "type " + code;
    }
}
