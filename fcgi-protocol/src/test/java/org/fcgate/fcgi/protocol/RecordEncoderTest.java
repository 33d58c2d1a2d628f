package org.fcgate.fcgi.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.fcgate.fcgi.testing.SpecVectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The encoder writes exactly the hand-written spec vectors: strict out. */
class RecordEncoderTest {

    static Stream<Arguments> fixedRecords() {
        return Stream.of(
                Arguments.of("BEGIN_REQUEST RESPONDER keepConn id 1", SpecVectors.beginResponderKeepConn(),
                        (Consumer<ByteBuffer>) b -> RecordEncoder.beginRequest(b, 1, Role.RESPONDER, true)),
                Arguments.of("BEGIN_REQUEST AUTHORIZER id 258", SpecVectors.beginAuthorizerId258(),
                        (Consumer<ByteBuffer>) b -> RecordEncoder.beginRequest(b, 258, Role.AUTHORIZER, false)),
                Arguments.of("BEGIN_REQUEST FILTER keepConn id 65535", SpecVectors.beginFilterId65535KeepConn(),
                        (Consumer<ByteBuffer>) b -> RecordEncoder.beginRequest(b, 65535, Role.FILTER, true)),
                Arguments.of("ABORT_REQUEST", SpecVectors.abortRequestId1(),
                        (Consumer<ByteBuffer>) b -> RecordEncoder.abortRequest(b, 1)),
                Arguments.of("END_REQUEST complete", SpecVectors.endRequestComplete(),
                        (Consumer<ByteBuffer>) b -> RecordEncoder.endRequest(b, 1, 0,
                                ProtocolStatus.REQUEST_COMPLETE)),
                Arguments.of("END_REQUEST cant mpx", SpecVectors.endRequestCantMpxConn(),
                        (Consumer<ByteBuffer>) b -> RecordEncoder.endRequest(b, 1, 0x01020304,
                                ProtocolStatus.CANT_MPX_CONN)),
                Arguments.of("END_REQUEST overloaded, appStatus high bit", SpecVectors.endRequestOverloadedHighBit(),
                        (Consumer<ByteBuffer>) b -> RecordEncoder.endRequest(b, 1, 0x80000001,
                                ProtocolStatus.OVERLOADED)),
                Arguments.of("END_REQUEST unknown role", SpecVectors.endRequestUnknownRole(),
                        (Consumer<ByteBuffer>) b -> RecordEncoder.endRequest(b, 1, 255, ProtocolStatus.UNKNOWN_ROLE)),
                Arguments.of("UNKNOWN_TYPE 12", SpecVectors.unknownType12(),
                        (Consumer<ByteBuffer>) b -> RecordEncoder.unknownType(b, 12)),
                Arguments.of("STDIN split at 65535", SpecVectors.stdinSplitAt65535(),
                        (Consumer<ByteBuffer>) b -> {
                            RecordEncoder.stream(b, RecordType.STDIN, 1, ByteBuffer.wrap(SpecVectors.stdinBody()));
                            RecordEncoder.endOfStream(b, RecordType.STDIN, 1);
                        }),
                Arguments.of("STDIN small", SpecVectors.stdinSmall(),
                        (Consumer<ByteBuffer>) b -> {
                            RecordEncoder.stream(b, RecordType.STDIN, 1, ByteBuffer.wrap(new byte[] {'a', '=', '1'}));
                            RecordEncoder.endOfStream(b, RecordType.STDIN, 1);
                        }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixedRecords")
    void writesTheSpecVector(String name, byte[] expected, Consumer<ByteBuffer> write) {
        ByteBuffer dst = ByteBuffer.allocate(expected.length + 16);
        Arrays.fill(dst.array(), (byte) 0x5A); // zero bytes must be written, not left over
        write.accept(dst);
        assertThat(dst.position()).isEqualTo(expected.length);
        assertThat(Arrays.copyOf(dst.array(), dst.position())).isEqualTo(expected);
    }

    @ParameterizedTest
    @EnumSource(value = RecordType.class, names = {"PARAMS", "STDIN", "STDOUT", "STDERR", "DATA"})
    void endOfStreamIsTheEmptyRecord(RecordType type) {
        ByteBuffer dst = ByteBuffer.allocate(8);
        RecordEncoder.endOfStream(dst, type, 1);
        assertThat(dst.array()).isEqualTo(SpecVectors.emptyStreamRecord(type.code()));
    }

    @Test
    void emptyDataWritesNoRecord() {
        ByteBuffer dst = ByteBuffer.allocate(8);
        RecordEncoder.stream(dst, RecordType.STDOUT, 1, ByteBuffer.allocate(0));
        assertThat(dst.position()).isZero();
    }

    @Test
    void streamSizeMatchesWhatStreamWrites() {
        for (int n : new int[] {0, 1, 7, 8, 65534, 65535, 65536, 65540, 2 * 65535, 2 * 65535 + 1}) {
            ByteBuffer dst = ByteBuffer.allocate((int) RecordEncoder.streamSize(n));
            RecordEncoder.stream(dst, RecordType.STDOUT, 1, ByteBuffer.allocate(n));
            assertThat(dst.hasRemaining()).as("streamSize(%d)", n).isFalse();
            assertThat(dst.position() % 8).isZero();
        }
    }

    @Test
    void requestIdAndContentLengthOutOfRangeAreRefused() {
        ByteBuffer dst = ByteBuffer.allocate(64);
        assertThatThrownBy(() -> RecordEncoder.header(dst, RecordType.STDOUT, 65536, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RecordEncoder.header(dst, RecordType.STDOUT, -1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RecordEncoder.header(dst, RecordType.STDOUT, 1, 65536))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(dst.position()).isZero();
    }

    @Test
    void recordHeaderRoundTripsAndChecksRanges() {
        RecordHeader h = new RecordHeader(1, 6, 0xFFFF, 0xFFFF, 0xFF);
        ByteBuffer b = ByteBuffer.allocate(8);
        h.write(b);
        assertThat(b.array()).containsExactly(0x01, 0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00);
        assertThat(RecordHeader.read(b.flip())).isEqualTo(h);
        assertThat(h.recordLength()).isEqualTo(8 + 65535 + 255);
        assertThatThrownBy(() -> new RecordHeader(1, 6, 1, 65536, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RecordHeader(1, 6, 1, 0, 256)).isInstanceOf(IllegalArgumentException.class);
    }
}
