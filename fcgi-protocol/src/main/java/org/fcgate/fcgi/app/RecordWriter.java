package org.fcgate.fcgi.app;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.params.ParamsEncoder;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.fcgi.protocol.ProtocolStatus;
import org.fcgate.fcgi.protocol.RecordEncoder;
import org.fcgate.fcgi.protocol.RecordType;

/**
 * Writes whole records to a blocking channel. Both threads of a connection write through it (the reader answers
 * management records and refusals, the serving thread writes the response), so each call is atomic: records never
 * interleave mid-record.
 */
final class RecordWriter {

    private final WritableByteChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(RecordEncoder.recordSize(Fcgi.MAX_CONTENT_LENGTH));

    RecordWriter(WritableByteChannel channel) {
        this.channel = channel;
    }

    /** {@code len} bytes of a STDOUT or STDERR stream, as records of at most 65535 content bytes. */
    synchronized void stream(RecordType type, int requestId, byte[] data, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int n = Math.min(len - done, Fcgi.MAX_CONTENT_LENGTH);
            buffer.clear();
            RecordEncoder.stream(buffer, type, requestId, ByteBuffer.wrap(data, off + done, n));
            send();
            done += n;
        }
    }

    /** The empty record that ends a stream (§3.3). */
    synchronized void endOfStream(RecordType type, int requestId) throws IOException {
        buffer.clear();
        RecordEncoder.endOfStream(buffer, type, requestId);
        send();
    }

    /** FCGI_END_REQUEST (§5.5). */
    synchronized void endRequest(int requestId, int appStatus, ProtocolStatus status) throws IOException {
        buffer.clear();
        RecordEncoder.endRequest(buffer, requestId, appStatus, status);
        send();
    }

    /** FCGI_UNKNOWN_TYPE (§4.2). */
    synchronized void unknownType(int type) throws IOException {
        buffer.clear();
        RecordEncoder.unknownType(buffer, type);
        send();
    }

    /** FCGI_GET_VALUES_RESULT (§4.1): one record, the pairs answered. */
    synchronized void getValuesResult(Params values) throws IOException {
        List<Params.Pair> pairs = values.pairs();
        buffer.clear();
        ParamsEncoder.writePairRecords(buffer, RecordType.GET_VALUES_RESULT, Fcgi.NULL_REQUEST_ID, pairs);
        send();
    }

    private void send() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
