package org.fcgate.gateway.support;

import java.util.ArrayList;
import java.util.List;

/**
 * Distinct names with one and the same {@link String#hashCode()}, for the hash-flooding cases (R15): the blocks
 * {@code "AO"} and {@code "B0"} hash alike (31·'A' + 'O' = 31·'B' + '0' = 2094), so all 2^k strings of k such blocks
 * collide, and so do they behind a common prefix. Upper-case letters and digits only: CGI's mapping of a header
 * name ({@code HTTP_} + upper case, '-' to '_') leaves them as they are, so the CGI names collide too.
 */
public final class CollidingNames {

    private CollidingNames() {
    }

    /** The first {@code count} names of 13 blocks (26 characters; 8,192 of them at most). */
    public static List<String> of(int count) {
        if (count < 1 || count > 1 << 13) {
            throw new IllegalArgumentException("count must be 1..8192, got " + count);
        }
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder name = new StringBuilder(26);
            for (int block = 12; block >= 0; block--) {
                name.append((i >> block & 1) == 0 ? "AO" : "B0");
            }
            names.add(name.toString());
        }
        return names;
    }
}
