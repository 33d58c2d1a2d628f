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

    /** Inputs up to this size are cut at every offset. */
    static final int EVERY_OFFSET_UP_TO = 16 * 1024;
    /** Larger inputs are cut at every offset of their first and last this many bytes... */
    static final int EDGE = 4 * 1024;
    /** ...and at every this-many-th offset in between. */
    static final int STRIDE = 7;

    /**
     * The offsets {@link #assertSplitInvariant} cuts at. Up to 16 KiB: every offset 0..length. Above (the 40,000-byte
     * PARAMS value, the 65,540-byte STDIN body): every offset of the first and last 4 KiB, where all their headers and
     * length prefixes lie, and every 7th offset of the bulk content in between, which the decoders copy through one
     * code path; cutting all 65,568 offsets costs tens of seconds for no extra state reached.
     */
    static boolean cutsAt(int at, int length) {
        return length <= EVERY_OFFSET_UP_TO || at < EDGE || at > length - EDGE || at % STRIDE == 0;
    }

    /**
     * Decodes {@code input} whole, then cut in two at every offset 0..length (see {@link #cutsAt} for inputs over 16
     * KiB), then one byte at a time, and asserts that every split gives the whole input's result. Returns that result.
     */
    public static <R> R assertSplitInvariant(byte[] input, Function<List<ByteBuffer>, R> decode) {
        R expected = decode.apply(whole(input));
        for (int at = 0; at <= input.length; at++) {
            if (!cutsAt(at, input.length)) {
                continue;
            }
            R actual = decode.apply(cutAt(input, at));
            if (!actual.equals(expected)) {
                assertThat(actual).as("input cut at offset %d of %d", at, input.length).isEqualTo(expected);
            }
        }
        assertThat(decode.apply(bytewise(input))).as("input fed one byte at a time").isEqualTo(expected);
        return expected;
    }
}
