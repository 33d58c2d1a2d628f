package org.fcgate.fcgi.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Feeds the same input cut in different places: a push decoder's result must not depend on where reads split the
 * stream.
 */
public final class Splits {

    private Splits() {
    }

    /** {@code input} whole. */
    public static List<ByteBuffer> whole(byte[] input) {
        return List.of(ByteBuffer.wrap(input));
    }

    /** {@code input} as two pieces, cut before byte {@code at}. */
    public static List<ByteBuffer> cutAt(byte[] input, int at) {
        return List.of(ByteBuffer.wrap(input, 0, at).slice(), ByteBuffer.wrap(input, at, input.length - at).slice());
    }

    /** {@code input} one byte at a time. */
    public static List<ByteBuffer> bytewise(byte[] input) {
        List<ByteBuffer> pieces = new ArrayList<>(input.length);
        for (int i = 0; i < input.length; i++) {
            pieces.add(ByteBuffer.wrap(input, i, 1).slice());
        }
        return pieces;
    }

    /**
     * Decodes {@code input} whole, then cut at every offset 0..length, then one byte at a time, and asserts that
     * every split gives the whole input's result. Returns that result.
     */
    public static <R> R assertSplitInvariant(byte[] input, Function<List<ByteBuffer>, R> decode) {
        R expected = decode.apply(whole(input));
        for (int at = 0; at <= input.length; at++) {
            R actual = decode.apply(cutAt(input, at));
            if (!actual.equals(expected)) {
                assertThat(actual).as("input cut at offset %d of %d", at, input.length).isEqualTo(expected);
            }
        }
        assertThat(decode.apply(bytewise(input))).as("input fed one byte at a time").isEqualTo(expected);
        return expected;
    }
}
