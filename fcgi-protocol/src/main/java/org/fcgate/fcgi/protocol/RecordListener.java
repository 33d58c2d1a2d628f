package org.fcgate.fcgi.protocol;

import java.nio.ByteBuffer;

/**
 * Receives the records a {@link RecordParser} finds, content as it arrives.
 *
 * <p>For each record: one {@link #onRecordStart}, zero or more {@link #onContent} whose chunks together are exactly
 * the record's content, then one {@link #onRecordEnd}. Chunk boundaries depend only on how the input was split, so a
 * listener must not give them meaning. A chunk is valid only during the call.
 */
public interface RecordListener {

    /** A header was read; {@code offset} is the stream offset of its first byte. */
    void onRecordStart(RecordHeader header, long offset) throws FcgiProtocolException;

    /** Some content bytes of the current record. */
    void onContent(RecordHeader header, ByteBuffer chunk) throws FcgiProtocolException;

    /** The record's content and padding are complete. */
    void onRecordEnd(RecordHeader header) throws FcgiProtocolException;
}
