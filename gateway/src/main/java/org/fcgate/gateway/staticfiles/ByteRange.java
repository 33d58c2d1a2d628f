package org.fcgate.gateway.staticfiles;

import java.util.Optional;

/**
 * One satisfiable byte range of a representation (RFC 9110 §14.1.2), inclusive bounds.
 */
public record ByteRange(long first, long last) {

    /** What a Range header asks of a representation of {@code size} bytes. */
    public sealed interface Request {
        /** No usable Range header (absent, not bytes, malformed, or several ranges): send everything, 200. */
        record Whole() implements Request { }

        record Partial(ByteRange range) implements Request { }

        /** Syntactically valid but no byte of it exists: 416. */
        record Unsatisfiable() implements Request { }
    }

    public long length() {
        return last - first + 1;
    }

    /**
     * Parses {@code bytes=a-b}, {@code bytes=a-} or {@code bytes=-n}. Several ranges are served as a 200 with the
     * whole file (RFC 9110 §14.2 lets a server ignore Range), which also avoids multipart and range-overlap abuse.
     */
    public static Request parse(String header, long size) {
        if (header == null || !header.startsWith("bytes=") || header.indexOf(',') >= 0) {
            return new Request.Whole();
        }
        String spec = header.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return new Request.Whole();
        }
        Optional<Long> a = number(spec.substring(0, dash));
        Optional<Long> b = number(spec.substring(dash + 1));
        if (dash == 0) {
            if (b.isEmpty()) {
                return new Request.Whole();
            }
            long suffix = b.get();
            if (suffix == 0 || size == 0) {
                return new Request.Unsatisfiable();
            }
            return new Request.Partial(new ByteRange(Math.max(0, size - suffix), size - 1));
        }
        if (a.isEmpty() || dash < spec.length() - 1 && b.isEmpty()) {
            return new Request.Whole();
        }
        long first = a.get();
        long last = b.map(v -> Math.min(v, size - 1)).orElse(size - 1);
        if (b.isPresent() && b.get() < first) {
            return new Request.Whole();
        }
        if (first >= size) {
            return new Request.Unsatisfiable();
        }
        return new Request.Partial(new ByteRange(first, last));
    }

    private static Optional<Long> number(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return Optional.empty();
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return Optional.empty();
            }
        }
        return Optional.of(Long.parseLong(s));
    }
}
