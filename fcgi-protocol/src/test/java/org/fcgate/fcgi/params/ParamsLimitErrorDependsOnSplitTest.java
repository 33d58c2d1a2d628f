package org.fcgate.fcgi.params;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.ByteBuffer;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.FcgiProtocolException.Reason;
import org.fcgate.fcgi.protocol.RecordType;
import org.junit.jupiter.api.Test;

/**
 * Regression (found by DecoderFuzzTest#paramsDecoder, input {@code paramsDecoder/limit-error-depends-on-split}):
 * a chunk that crossed maxParamsBytes was refused with PARAMS_TOO_LARGE before it was decoded, while the same bytes
 * fed in smaller chunks first hit TOO_MANY_PARAMS. The error must not depend on how the stream was split.
 */
class ParamsLimitErrorDependsOnSplitTest {

    private static final FcgiLimits LIMITS = new FcgiLimits(24, 2, 1024);

    /** Three 4-byte pairs (the third is one too many), then a pair that takes the stream past 24 bytes. */
    private static byte[] stream() {
        ByteBuffer b = ByteBuffer.allocate(12 + 2 + 16);
        for (int i = 0; i < 3; i++) {
            b.put((byte) 1);         // name length 1
            b.put((byte) 1);         // value length 1
            b.put((byte) ('a' + i)); // name
            b.put((byte) '1');       // value
        }
        b.put((byte) 1);             // name length 1
        b.put((byte) 15);            // value length 15: ends at byte 30, past the 24-byte limit
        b.put(new byte[16]);
        return b.array();
    }

    @Test
    void wholeChunkFailsWithTheFirstErrorInTheStream() {
        assertThat(failure(stream(), stream().length).reason()).isEqualTo(Reason.TOO_MANY_PARAMS);
    }

    @Test
    void everyChunkSizeFailsTheSameWay() {
        for (int size = 1; size <= stream().length; size++) {
            assertThat(failure(stream(), size).reason()).as("chunks of %d bytes", size)
                    .isEqualTo(Reason.TOO_MANY_PARAMS);
        }
    }

    @Test
    void bytesPastTheLimitAreStillRefusedWhenNoOtherErrorComesFirst() {
        byte[] big = new byte[30];
        big[0] = 1;  // name length 1
        big[1] = 20; // value length 20: the pair ends at byte 23, within the limit
        big[23] = 1; // name length 1 of a second pair that runs past byte 24
        for (int size = 1; size <= big.length; size++) {
            assertThat(failure(big, size).reason()).as("chunks of %d bytes", size)
                    .isEqualTo(Reason.PARAMS_TOO_LARGE);
        }
    }

    private static FcgiProtocolException failure(byte[] stream, int chunkSize) {
        ParamsDecoder d = new ParamsDecoder(LIMITS, 1, RecordType.PARAMS.code());
        return catchThrowableOfType(FcgiProtocolException.class, () -> {
            for (int i = 0; i < stream.length; i += chunkSize) {
                d.feed(ByteBuffer.wrap(stream, i, Math.min(chunkSize, stream.length - i)), 0);
            }
            d.finish(0);
        });
    }
}
