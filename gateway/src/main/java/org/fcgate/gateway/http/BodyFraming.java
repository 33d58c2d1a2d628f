package org.fcgate.gateway.http;

/** How the request body is delimited (RFC 9112 §6.3), decided once from the validated head. */
public sealed interface BodyFraming {

    /** Neither Content-Length nor Transfer-Encoding: the body is empty. */
    record None() implements BodyFraming { }

    /** {@code Content-Length: length}. */
    record Fixed(long length) implements BodyFraming { }

    /** {@code Transfer-Encoding: chunked}. */
    record Chunked() implements BodyFraming { }

    default boolean hasBody() {
        return this instanceof Chunked || this instanceof Fixed f && f.length() > 0;
    }
}
