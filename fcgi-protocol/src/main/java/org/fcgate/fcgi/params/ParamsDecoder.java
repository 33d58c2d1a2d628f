package org.fcgate.fcgi.params;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.FcgiProtocolException;
import org.fcgate.fcgi.protocol.FcgiProtocolException.Reason;

/**
 * Incremental decoder of one name-value pair stream (§3.4): lenient in.
 *
 * <p>Pairs may straddle records and arrive a byte at a time; both 1-byte and 4-byte length forms are read. Memory is
 * bounded before anything is allocated: the declared lengths of a pair are checked against
 * {@link FcgiLimits#maxParamsBytes()} as soon as both are known, so a 2 GiB length costs nothing.
 *
 * <p>Lifecycle: {@link #feed} content chunks, then {@link #finish} once at the end of the stream (the empty PARAMS
 * record, or the end of a GET_VALUES record). Any exception is terminal.
 */
public final class ParamsDecoder {

    private enum State { NAME_LENGTH, VALUE_LENGTH, NAME, VALUE, DONE }

    /** First allocation for a name or value; it doubles up to the declared length as bytes arrive. */
    private static final int INITIAL_ARRAY = 256;

    private final FcgiLimits limits;
    private final int requestId;
    private final int recordType;
    private final Params.Builder out = Params.builder();
    private State state = State.NAME_LENGTH;
    private int lengthBytesLeft;
    private int lengthAccumulator;
    private int nameLength;
    private int valueLength;
    private byte[] name;
    private byte[] value;
    private int filled;
    private long consumed;
    private long position;

    /**
     * @param requestId  request id reported in errors
     * @param recordType wire type of the records carrying the pairs (PARAMS, GET_VALUES…), reported in errors
     */
    public ParamsDecoder(FcgiLimits limits, int requestId, int recordType) {
        this.limits = limits;
        this.requestId = requestId;
        this.recordType = recordType;
    }

    /** Decodes every remaining byte of {@code chunk}; {@code offset} is reported in errors. */
    public void feed(ByteBuffer chunk, long offset) throws FcgiProtocolException {
        if (state == State.DONE) {
            throw new IllegalStateException("state: " + state);
        }
        // Decode the bytes the limit admits before refusing the rest, so the error found first (a pair or count
        // limit inside the allowance) is the same however the stream was split into chunks.
        long allowed = limits.maxParamsBytes() - consumed;
        int oldLimit = chunk.limit();
        boolean over = chunk.remaining() > allowed;
        if (over) {
            chunk.limit(chunk.position() + (int) allowed);
        }
        try {
            consumed += chunk.remaining();
            decode(chunk, offset);
        } finally {
            chunk.limit(oldLimit);
        }
        if (over) {
            throw fail(Reason.PARAMS_TOO_LARGE, "params exceed " + limits.maxParamsBytes() + " bytes", offset);
        }
    }

    private void decode(ByteBuffer chunk, long offset) throws FcgiProtocolException {
        while (chunk.hasRemaining()) {
            switch (state) {
                case NAME_LENGTH, VALUE_LENGTH -> readLength(chunk, offset);
                case NAME -> {
                    name = copy(chunk, name, nameLength);
                    if (filled == nameLength) {
                        startValue();
                    }
                }
                case VALUE -> {
                    value = copy(chunk, value, valueLength);
                    if (filled == valueLength) {
                        endPair();
                    }
                }
                default -> throw new IllegalStateException("state: " + state);
            }
        }
    }

    /** The stream ended: returns its pairs, or fails if it ended inside a pair. */
    public Params finish(long offset) throws FcgiProtocolException {
        if (state == State.DONE) {
            throw new IllegalStateException("state: " + state);
        }
        if (state != State.NAME_LENGTH || lengthBytesLeft != 0) {
            throw fail(Reason.MALFORMED_PARAMS, "stream ended inside a name-value pair", offset);
        }
        state = State.DONE;
        return out.build();
    }

    /** Content bytes consumed so far. */
    public long consumed() {
        return consumed;
    }

    private void readLength(ByteBuffer chunk, long offset) throws FcgiProtocolException {
        if (lengthBytesLeft == 0) {
            int b = chunk.get() & 0xFF;
            position++;
            if ((b & 0x80) == 0) {
                lengthDone(b, offset);
                return;
            }
            lengthAccumulator = b & 0x7F;
            lengthBytesLeft = 3;
        }
        while (lengthBytesLeft > 0 && chunk.hasRemaining()) {
            lengthAccumulator = lengthAccumulator << 8 | (chunk.get() & 0xFF);
            lengthBytesLeft--;
            position++;
        }
        if (lengthBytesLeft == 0) {
            lengthDone(lengthAccumulator, offset);
        }
    }

    private void lengthDone(int length, long offset) throws FcgiProtocolException {
        if (state == State.NAME_LENGTH) {
            nameLength = length;
            state = State.VALUE_LENGTH;
            return;
        }
        valueLength = length;
        // Both lengths known: refuse before allocating what the limit could never admit.
        long pairEnd = position + (long) nameLength + valueLength;
        if (pairEnd > limits.maxParamsBytes()) {
            throw fail(Reason.PARAMS_TOO_LARGE, "name-value pair of " + nameLength + "+" + valueLength
                    + " bytes exceeds the params limit of " + limits.maxParamsBytes() + " bytes", offset);
        }
        if (out.size() >= limits.maxParamCount()) {
            throw fail(Reason.TOO_MANY_PARAMS, "more than " + limits.maxParamCount() + " params", offset);
        }
        name = new byte[Math.min(nameLength, INITIAL_ARRAY)];
        filled = 0;
        state = State.NAME;
        if (nameLength == 0) {
            startValue();
        }
    }

    private void startValue() {
        value = new byte[Math.min(valueLength, INITIAL_ARRAY)];
        filled = 0;
        state = State.VALUE;
        if (valueLength == 0) {
            endPair();
        }
    }

    private void endPair() {
        out.add(name, value);
        name = null;
        value = null;
        state = State.NAME_LENGTH;
    }

    /**
     * Copies bytes towards a name or value of {@code length} bytes, growing {@code dst} as they arrive: memory follows
     * the bytes received, not the lengths declared (a peer that declares large pairs on many request ids and sends
     * nothing holds no memory).
     */
    private byte[] copy(ByteBuffer src, byte[] dst, int length) {
        if (filled == dst.length) {
            dst = Arrays.copyOf(dst, (int) Math.min(length, 2L * dst.length));
        }
        int n = Math.min(src.remaining(), dst.length - filled);
        src.get(dst, filled, n);
        position += n;
        filled += n;
        return dst;
    }

    private FcgiProtocolException fail(Reason reason, String detail, long offset) {
        state = State.DONE;
        return new FcgiProtocolException(reason, detail, requestId, recordType, offset);
    }
}
