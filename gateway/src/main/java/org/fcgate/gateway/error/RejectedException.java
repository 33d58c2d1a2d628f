package org.fcgate.gateway.error;

/**
 * A request refused for a client-caused {@link Reason}. Thrown inside parsers and caught at one place per layer;
 * carries no stack trace because it is control flow for hostile input, not a bug.
 */
public final class RejectedException extends Exception {

    private static final long serialVersionUID = 1L;

    private final Reason reason;

    public RejectedException(Reason reason) {
        super(reason.name(), null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
