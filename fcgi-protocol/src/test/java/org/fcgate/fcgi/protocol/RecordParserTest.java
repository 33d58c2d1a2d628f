package org.fcgate.fcgi.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import org.fcgate.fcgi.protocol.FcgiProtocolException.Reason;
import org.fcgate.fcgi.testing.Splits;
import org.fcgate.fcgi.testing.SpecVectors;
import org.fcgate.fcgi.testing.Transcript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The record layer alone: lenient about padding, typed failures, terminal after them. */
class RecordParserTest {

    /** Writes each record as "START type id len pad @offset", its content, and "END". */
    private static Transcript parse(List<ByteBuffer> pieces, boolean endOfInput) {
        Transcript t = new Transcript();
        RecordParser parser = new RecordParser(new RecordListener() {
            @Override
            public void onRecordStart(RecordHeader h, long offset) {
                t.event("START " + RecordType.describe(h.type()) + " id=" + h.requestId() + " len="
                        + h.contentLength() + " pad=" + h.paddingLength() + " @" + offset);
            }

            @Override
            public void onContent(RecordHeader h, ByteBuffer chunk) {
                t.data("CONTENT", chunk);
            }

            @Override
            public void onRecordEnd(RecordHeader h) {
                t.event("END");
            }
        });
        try {
            for (ByteBuffer p : pieces) {
                parser.feed(p.duplicate());
            }
            if (endOfInput) {
                parser.endOfInput();
                t.event("EOF at " + parser.offset());
            }
        } catch (FcgiProtocolException e) {
            t.failure(e);
            assertThatThrownBy(() -> parser.feed(ByteBuffer.wrap(new byte[] {1})))
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(parser::endOfInput).isInstanceOf(IllegalStateException.class);
        }
        return t;
    }

    /** One STDOUT record "hi" of request 1 with {@code padding} bytes of padding, each 0xA5. */
    private static byte[] stdoutWithPadding(int padding) {
        byte[] b = new byte[8 + 2 + padding];
        b[0] = 0x01;             // version FCGI_VERSION_1
        b[1] = 0x06;             // type STDOUT
        b[2] = 0x00;             // requestIdB1
        b[3] = 0x01;             // requestIdB0: request id 1
        b[4] = 0x00;             // contentLengthB1
        b[5] = 0x02;             // contentLengthB0: 2
        b[6] = (byte) padding;   // paddingLength: any 0..255, aligned or not
        b[7] = 0x00;             // reserved
        b[8] = 'h';
        b[9] = 'i';
        for (int i = 10; i < b.length; i++) {
            b[i] = (byte) 0xA5;  // padding bytes may hold anything
        }
        return b;
    }

    @ParameterizedTest(name = "padding {0}")
    @ValueSource(ints = {0, 1, 3, 6, 7, 8, 13, 254, 255})
    void acceptsAnyPadding(int padding) {
        byte[] input = SpecVectors.concat(stdoutWithPadding(padding), SpecVectors.endRequestComplete());
        Transcript t = Splits.assertSplitInvariant(input, pieces -> parse(pieces, true));
        assertThat(t.events()).containsExactly(
                "START STDOUT id=1 len=2 pad=" + padding + " @0", "CONTENT \"hi\"", "END",
                "START END_REQUEST id=1 len=8 pad=0 @" + (10 + padding),
                "CONTENT \"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\"", "END",
                "EOF at " + (input.length));
    }

    @Test
    void headersOfEveryVectorAreFoundAtTheirOffsets() {
        byte[] input = SpecVectors.concat(SpecVectors.beginResponderKeepConn(), SpecVectors.paramsStraddling(),
                SpecVectors.stdinSmall());
        Transcript t = Splits.assertSplitInvariant(input, pieces -> parse(pieces, true));
        assertThat(t.events()).filteredOn(e -> e.startsWith("START")).containsExactly(
                "START BEGIN_REQUEST id=1 len=8 pad=0 @0",
                "START PARAMS id=1 len=5 pad=0 @16",
                "START PARAMS id=1 len=13 pad=255 @29",
                "START PARAMS id=1 len=3 pad=1 @305",
                "START PARAMS id=1 len=134 pad=0 @317",
                "START PARAMS id=1 len=0 pad=3 @459",
                "START STDIN id=1 len=3 pad=5 @470",
                "START STDIN id=1 len=0 pad=0 @486");
    }

    /** R34: version 2, and 72 = 'H' of a backend answering "HTTP/1.1 200 OK". */
    @ParameterizedTest(name = "version {0} at offset {1}")
    @CsvSource({"2, 0", "72, 0", "0, 0", "2, 16", "72, 16"})
    void R34_unsupportedVersionIsRejectedWhereTheRecordStarts(int version, int at) {
        byte[] bad = version == 72
                ? "HTTP/1.1 200 OK\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)
                : new byte[] {(byte) version, 0x06, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 'h', 'e', 'l', 'l', 'o'};
        byte[] input = at == 0 ? bad : SpecVectors.concat(SpecVectors.endRequestComplete(), bad);
        Transcript t = Splits.assertSplitInvariant(input, pieces -> parse(pieces, true));
        assertThat(t.events()).last()
                .isEqualTo("FAIL UNSUPPORTED_VERSION id=-1 type=-1 offset=" + at);
    }

    @Test
    void versionErrorCarriesTheVersionInItsMessage() {
        RecordParser parser = new RecordParser(null);
        assertThatThrownBy(() -> parser.feed(ByteBuffer.wrap(new byte[] {72})))
                .isInstanceOfSatisfying(FcgiProtocolException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNSUPPORTED_VERSION);
                    assertThat(e.getMessage()).contains("version 72");
                });
    }

    /** A stream of STDOUT "hello" (content 8..12, padding 13..15) cut at {@code cut}. */
    @ParameterizedTest(name = "cut at {0}: {1}")
    @CsvSource({
            "1, inside the header, -1, -1",
            "7, inside the header, -1, -1",
            "8, before the content, 1, 6",
            "10, inside the content, 1, 6",
            "13, inside the padding, 1, 6",
            "15, inside the padding, 1, 6"})
    void truncatedRecordFailsAtEndOfInput(int cut, String where, int id, int type) {
        byte[] record = {0x01, 0x06, 0x00, 0x01, 0x00, 0x05, 0x03, 0x00, 'h', 'e', 'l', 'l', 'o', 0, 0, 0};
        byte[] input = java.util.Arrays.copyOf(record, cut);
        Transcript t = Splits.assertSplitInvariant(input, pieces -> parse(pieces, true));
        assertThat(t.events()).as(where).last()
                .isEqualTo("FAIL TRUNCATED id=" + id + " type=" + type + " offset=" + cut);
    }

    @Test
    void endOfInputBetweenRecordsIsClean() throws FcgiProtocolException {
        RecordParser parser = new RecordParser(new RecordListener() {
            @Override
            public void onRecordStart(RecordHeader header, long offset) {
            }

            @Override
            public void onContent(RecordHeader header, ByteBuffer chunk) {
            }

            @Override
            public void onRecordEnd(RecordHeader header) {
            }
        });
        assertThat(parser.atRecordBoundary()).isTrue();
        parser.feed(ByteBuffer.wrap(SpecVectors.abortRequestId1(), 0, 3));
        assertThat(parser.atRecordBoundary()).isFalse();
        parser.feed(ByteBuffer.wrap(SpecVectors.abortRequestId1(), 3, 5));
        assertThat(parser.atRecordBoundary()).isTrue();
        assertThat(parser.offset()).isEqualTo(8);
        parser.endOfInput();
        assertThatThrownBy(() -> parser.feed(ByteBuffer.allocate(1))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CLOSED");
    }

    @Test
    void listenerFailureMakesTheParserTerminal() {
        RecordParser parser = new RecordParser(new RecordListener() {
            @Override
            public void onRecordStart(RecordHeader h, long offset) throws FcgiProtocolException {
                throw new FcgiProtocolException(Reason.UNEXPECTED_RECORD_TYPE, "test", h.requestId(), h.type(),
                        offset);
            }

            @Override
            public void onContent(RecordHeader header, ByteBuffer chunk) {
            }

            @Override
            public void onRecordEnd(RecordHeader header) {
            }
        });
        assertThatThrownBy(() -> parser.feed(ByteBuffer.wrap(SpecVectors.abortRequestId1())))
                .isInstanceOf(FcgiProtocolException.class);
        assertThatThrownBy(() -> parser.feed(ByteBuffer.wrap(SpecVectors.abortRequestId1())))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("FAILED");
    }
}
