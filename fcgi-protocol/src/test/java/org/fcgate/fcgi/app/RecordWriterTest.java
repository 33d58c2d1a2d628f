package org.fcgate.fcgi.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.RecordType;
import org.junit.jupiter.api.Test;

/** How records are grouped into writes: one write each, or gathered between cork and uncork. */
class RecordWriterTest {

    /** Keeps each {@code write} call's bytes apart, so a test sees the writes the web server would receive. */
    static final class WriteLog implements WritableByteChannel {
        final List<byte[]> writes = new ArrayList<>();

        @Override
        public int write(ByteBuffer src) {
            byte[] b = new byte[src.remaining()];
            src.get(b);
            writes.add(b);
            return b.length;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }

        String hex(int i) {
            return HexFormat.of().formatHex(writes.get(i));
        }
    }

    private final WriteLog log = new WriteLog();
    private final RecordWriter writer = new RecordWriter(log);

    @Test
    void withoutCorkEachRecordIsItsOwnWrite() throws Exception {
        writer.stream(RecordType.STDOUT, 1, new byte[] {'h', 'i'}, 0, 2);
        writer.endOfStream(RecordType.STDOUT, 1);
        writer.endRequest(1, 0, ProtocolStatus.REQUEST_COMPLETE);

        assertThat(log.writes).hasSize(3);
    }

    /** The tail of the body, both streams' ends and END_REQUEST: one write, byte for byte. */
    @Test
    void corkedEndOfAResponseIsOneWrite() throws Exception {
        writer.cork();
        writer.stream(RecordType.STDOUT, 1, new byte[] {'h', 'i'}, 0, 2);
        writer.endOfStream(RecordType.STDOUT, 1);
        writer.endOfStream(RecordType.STDERR, 1);
        writer.endRequest(1, 0, ProtocolStatus.REQUEST_COMPLETE);
        assertThat(log.writes).as("nothing sent while corked").isEmpty();
        writer.uncork();

        assertThat(log.writes).hasSize(1);
        assertThat(log.hex(0)).isEqualTo(
                "0106000100020600" + "6869" + "000000000000" // STDOUT "hi", 6 bytes padding
                        + "0106000100000000" // empty STDOUT
                        + "0107000100000000" // empty STDERR
                        + "0103000100080000" + "0000000000000000"); // END_REQUEST appStatus 0, REQUEST_COMPLETE
    }

    /** A tail longer than the buffer: full records go out as the buffer fills, the last ones in one write. */
    @Test
    void corkedLongTailIsSentInOrderAsTheBufferFills() throws Exception {
        byte[] data = new byte[3 * 65535 + 10];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        writer.cork();
        writer.stream(RecordType.STDOUT, 1, data, 0, data.length);
        writer.endOfStream(RecordType.STDOUT, 1);
        writer.endRequest(1, 0, ProtocolStatus.REQUEST_COMPLETE);
        writer.uncork();

        ByteArrayOutputStream all = new ByteArrayOutputStream();
        log.writes.forEach(all::writeBytes);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        WriteLog plain = new WriteLog();
        RecordWriter unbuffered = new RecordWriter(plain);
        unbuffered.stream(RecordType.STDOUT, 1, data, 0, data.length);
        unbuffered.endOfStream(RecordType.STDOUT, 1);
        unbuffered.endRequest(1, 0, ProtocolStatus.REQUEST_COMPLETE);
        plain.writes.forEach(expected::writeBytes);

        assertThat(all.toByteArray()).isEqualTo(expected.toByteArray());
        assertThat(log.writes).hasSize(4);
        assertThat(log.writes.get(3)).hasSize(8 + 10 + 6 + 8 + 16); // last data record, end of STDOUT, END_REQUEST
    }

    /** A management answer from the reader thread while corked goes out at once, after what was gathered. */
    @Test
    void aManagementAnswerFlushesWhatWasGathered() throws Exception {
        writer.cork();
        writer.stream(RecordType.STDOUT, 1, new byte[] {'h', 'i'}, 0, 2);
        writer.getValuesResult(Params.builder().add("FCGI_MPXS_CONNS", "0").build());

        assertThat(log.writes).hasSize(2);
        assertThat(log.hex(0)).startsWith("01060001");
        assertThat(log.hex(1)).startsWith("010a0000");
    }
}
