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
 *
 * <p>Between {@link #cork} and {@link #uncork} the response's records are gathered and sent together, so the last
 * STDOUT bytes, the empty STDOUT and STDERR records and END_REQUEST reach the web server in one write. A web server
 * that has relayed a whole response (its Content-Length satisfied) while END_REQUEST was still to come sees the
 * client leave and closes a kept connection mid-request; nginx with {@code fastcgi_keep_conn} does ("client
 * prematurely closed connection, so upstream connection is closed too"). php-fpm sends its end the same way.
 * Management answers from the reader thread are sent at once, after anything gathered before them.
 */
final class RecordWriter {

    /** Room for one full record plus the ends of both streams and END_REQUEST. */
    private static final int CAPACITY = RecordEncoder.recordSize(Fcgi.MAX_CONTENT_LENGTH) + 3 * Fcgi.HEADER_LEN
            + RecordEncoder.recordSize(Fcgi.FIXED_BODY_LEN);

    private final WritableByteChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(CAPACITY);
    private boolean corked;

    RecordWriter(WritableByteChannel channel) {
        this.channel = channel;
    }

    /** {@code len} bytes of a STDOUT or STDERR stream, as records of at most 65535 content bytes. */
    synchronized void stream(RecordType type, int requestId, byte[] data, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int n = Math.min(len - done, Fcgi.MAX_CONTENT_LENGTH);
            room(RecordEncoder.recordSize(n));
            RecordEncoder.stream(buffer, type, requestId, ByteBuffer.wrap(data, off + done, n));
            done += n;
            if (done < len) {
                send(); // only the last record is worth gathering with what follows
            } else {
                sendUnlessCorked();
            }
        }
    }

    /** From now on records are gathered until {@link #uncork} (or until the buffer is full). */
    synchronized void cork() {
        corked = true;
    }

    /** Sends what was gathered since {@link #cork}. */
    synchronized void uncork() throws IOException {
        corked = false;
        send();
    }

    /** The empty record that ends a stream (§3.3). */
    synchronized void endOfStream(RecordType type, int requestId) throws IOException {
        room(Fcgi.HEADER_LEN);
        RecordEncoder.endOfStream(buffer, type, requestId);
        sendUnlessCorked();
    }

    /** FCGI_END_REQUEST (§5.5). */
    synchronized void endRequest(int requestId, int appStatus, ProtocolStatus status) throws IOException {
        room(RecordEncoder.recordSize(Fcgi.FIXED_BODY_LEN));
        RecordEncoder.endRequest(buffer, requestId, appStatus, status);
        sendUnlessCorked();
    }

    /** FCGI_UNKNOWN_TYPE (§4.2). */
    synchronized void unknownType(int type) throws IOException {
        room(RecordEncoder.recordSize(Fcgi.FIXED_BODY_LEN));
        RecordEncoder.unknownType(buffer, type);
        send();
    }

    /** FCGI_GET_VALUES_RESULT (§4.1): one record, the pairs answered. */
    synchronized void getValuesResult(Params values) throws IOException {
        List<Params.Pair> pairs = values.pairs();
        send();
        ParamsEncoder.writePairRecords(buffer, RecordType.GET_VALUES_RESULT, Fcgi.NULL_REQUEST_ID, pairs);
        send();
    }

    /** Sends what is gathered first if {@code bytes} more would not fit. */
    private void room(int bytes) throws IOException {
        if (buffer.remaining() < bytes) {
            send();
        }
    }

    private void sendUnlessCorked() throws IOException {
        if (!corked) {
            send();
        }
    }

    private void send() throws IOException {
        buffer.flip();
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } finally {
            buffer.clear();
        }
    }
}
