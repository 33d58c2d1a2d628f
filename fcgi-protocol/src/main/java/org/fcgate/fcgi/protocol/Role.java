package org.fcgate.fcgi.protocol;

/** The roles a request may ask of an application (FastCGI 1.0 §5.1, §6). */
public enum Role {
    RESPONDER(1),
    AUTHORIZER(2),
    FILTER(3);

    private final int code;

    Role(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The role with this wire value, or {@code null} for a value FastCGI 1.0 does not define. */
    public static Role ofCode(int code) {
        for (Role r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        return null;
    }
}
