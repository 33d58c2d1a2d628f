package org.fcgate.fcgi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.fcgate.fcgi.client.ClientRequestEncoder;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.params.ParamsEncoder;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.RecordEncoder;
import org.fcgate.fcgi.protocol.RecordType;
import org.fcgate.fcgi.protocol.Role;
import org.fcgate.fcgi.testing.AppHarness;
import org.fcgate.fcgi.testing.ClientHarness;
import org.fcgate.fcgi.testing.Splits;
import org.fcgate.fcgi.testing.Transcript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Encoder of one role into the decoder of the other: client request -> application, application answer -> client. */
class RoundTripTest {

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** Binary names and values: NUL, 0x80+ bytes, lengths on both sides of 127 and up to a few KiB. */
    private static Params randomParams(Random random, int count) {
        Params.Builder b = Params.builder();
        for (int i = 0; i < count; i++) {
            byte[] name = new byte[pickLength(random)];
            byte[] value = new byte[pickLength(random)];
            random.nextBytes(name);
            random.nextBytes(value);
            if (name.length > 0) {
                name[0] = 0;                 // a NUL in every non-empty name
            }
            if (value.length > 1) {
                value[value.length - 1] = (byte) 0x80;
            }
            b.add(name, value);
        }
        return b.build();
    }

    private static int pickLength(Random random) {
        return switch (random.nextInt(5)) {
            case 0 -> random.nextInt(3);          // 0..2
            case 1 -> 126 + random.nextInt(4);    // 126..129: the 1-byte/4-byte switch
            case 2 -> random.nextInt(128);
            case 3 -> random.nextInt(5000);
            default -> 20000 + random.nextInt(20000);
        };
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 20261126})
    void randomParamsSurviveClientEncoderToApplicationDecoder(long seed) {
        Random random = new Random(seed);
        Params params = randomParams(random, 1 + random.nextInt(12));
        byte[] body = new byte[random.nextInt(70000)];
        random.nextBytes(body);
        byte[] wire = bytes(ClientRequestEncoder.encode(7, Role.RESPONDER, true, params, ByteBuffer.wrap(body)));
        AppHarness harness = new AppHarness().limits(FcgiLimits.DEFAULTS.withMaxParamsBytes(Integer.MAX_VALUE))
                .keepBytes().endOfInput();
        Transcript t = harness.run(Splits.whole(wire));
        assertThat(harness.params.get(7)).isEqualTo(params);
        assertThat(t.bytes("STDIN 7")).isEqualTo(body);
        assertThat(t.events()).first().isEqualTo("BEGIN 7 RESPONDER code=1 keepConn=true");
        assertThat(t.events()).endsWith("STDIN_END 7", "EOF");
        // and the same whatever the split, at a few random cuts
        for (int i = 0; i < 20; i++) {
            int at = random.nextInt(wire.length + 1);
            assertThat(harness.run(Splits.cutAt(wire, at))).as("cut at %d", at).isEqualTo(t);
        }
    }

    @Test
    void paramsOfExactlyTheLimitPassAndOneMoreByteFails() {
        Params params = Params.builder().add("N", "v".repeat(1000)).build(); // 1 + 4 + 1 + 1000 = 1006
        byte[] wire = bytes(ClientRequestEncoder.encode(1, Role.RESPONDER, false, params, ByteBuffer.allocate(0)));
        assertThat(new AppHarness().limits(FcgiLimits.DEFAULTS.withMaxParamsBytes(1006)).run(Splits.whole(wire))
                .events()).contains("STDIN_END 1");
        assertThat(new AppHarness().limits(FcgiLimits.DEFAULTS.withMaxParamsBytes(1005)).run(Splits.whole(wire))
                .events()).endsWith("FAIL PARAMS_TOO_LARGE id=1 type=4 offset=16", "TERMINAL");
    }

    @ParameterizedTest(name = "stdout {0} bytes")
    @ValueSource(ints = {0, 1, 65535, 65536, 200000})
    void applicationAnswerSurvivesRecordEncoderToClientDecoder(int stdoutLength) {
        Random random = new Random(stdoutLength);
        byte[] stdout = new byte[stdoutLength];
        random.nextBytes(stdout);
        byte[] stderr = "warning: \u0000\u00ff".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        ByteBuffer wire = ByteBuffer.allocate((int) (RecordEncoder.streamSize(stdoutLength)
                + RecordEncoder.streamSize(stderr.length) + 2 * Fcgi.HEADER_LEN + 16));
        RecordEncoder.stream(wire, RecordType.STDOUT, 3, ByteBuffer.wrap(stdout));
        RecordEncoder.stream(wire, RecordType.STDERR, 3, ByteBuffer.wrap(stderr));
        RecordEncoder.endOfStream(wire, RecordType.STDOUT, 3);
        RecordEncoder.endOfStream(wire, RecordType.STDERR, 3);
        RecordEncoder.endRequest(wire, 3, 0x80000000, ProtocolStatus.OVERLOADED);
        assertThat(wire.hasRemaining()).isFalse();
        Transcript t = new ClientHarness().register(3).keepBytes().endOfInput().run(Splits.whole(wire.array()));
        assertThat(t.bytes("STDOUT 3")).isEqualTo(stdout);
        assertThat(t.bytes("STDERR 3")).isEqualTo(stderr);
        assertThat(t.events()).endsWith("STDOUT_END 3", "END 3 appStatus=0x80000000 OVERLOADED", "EOF");
    }

    @Test
    void getValuesRoundTripBothWays() {
        Params query = Params.builder().add(Fcgi.MAX_CONNS, "").add(Fcgi.MAX_REQS, "").add(Fcgi.MPXS_CONNS, "")
                .build();
        ByteBuffer q = ByteBuffer.allocate(64);
        ParamsEncoder.writePairRecords(q, RecordType.GET_VALUES, 0, query.pairs());
        assertThat(new AppHarness().run(Splits.whole(bytes(q.flip()))).events())
                .containsExactly("GET_VALUES [FCGI_MAX_CONNS=, FCGI_MAX_REQS=, FCGI_MPXS_CONNS=]");

        Params answer = Params.builder().add(Fcgi.MAX_CONNS, "1").add(Fcgi.MPXS_CONNS, "0").build();
        ByteBuffer a = ByteBuffer.allocate(64);
        ParamsEncoder.writePairRecords(a, RecordType.GET_VALUES_RESULT, 0, answer.pairs());
        RecordEncoder.unknownType(a, 0x42);
        assertThat(new ClientHarness().expectManagement().expectManagement().run(Splits.whole(bytes(a.flip())))
                .events()).isEqualTo(List.of("GET_VALUES_RESULT [FCGI_MAX_CONNS=1, FCGI_MPXS_CONNS=0]",
                "UNKNOWN_TYPE 66"));
    }
}
