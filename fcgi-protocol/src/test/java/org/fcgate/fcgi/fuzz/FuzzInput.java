package org.fcgate.fcgi.fuzz;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One fuzz input: a 3-byte harness prefix, then the byte stream given to the decoder.
 * <pre>
 *   byte 0-1  split offset, big-endian, taken modulo (stream length + 1)
 *   byte 2    options: bits a target reads to vary its own behaviour (e.g. expect a management answer)
 *   byte 3-   the stream
 * </pre>
 * An input shorter than the prefix is an empty stream with no options.
 */
record FuzzInput(int splitOffset, int options, byte[] stream) {

    static final int PREFIX_LEN = 3;

    static FuzzInput parse(byte[] data) {
        if (data.length < PREFIX_LEN) {
            return new FuzzInput(0, 0, new byte[0]);
        }
        byte[] stream = new byte[data.length - PREFIX_LEN];
        System.arraycopy(data, PREFIX_LEN, stream, 0, stream.length);
        int split = ((data[0] & 0xFF) << 8 | (data[1] & 0xFF)) % (stream.length + 1);
        return new FuzzInput(split, data[2] & 0xFF, stream);
    }

    boolean option(int bit) {
        return (options & (1 << bit)) != 0;
    }

    /** How the stream is cut into the buffers fed to the decoder. */
    enum Chunking {
        WHOLE, SPLIT, BYTE_AT_A_TIME;

        /**
         * The chunks, each a view of the shared array with a non-zero position where possible, so a decoder that
         * ignores {@code position()} or {@code arrayOffset()} shows up.
         */
        List<ByteBuffer> chunks(FuzzInput in) {
            byte[] s = in.stream();
            List<ByteBuffer> out = new ArrayList<>();
            switch (this) {
                case WHOLE -> out.add(ByteBuffer.wrap(s));
                case SPLIT -> {
                    out.add(ByteBuffer.wrap(s, 0, in.splitOffset()));
                    out.add(ByteBuffer.wrap(s, in.splitOffset(), s.length - in.splitOffset()));
                }
                case BYTE_AT_A_TIME -> {
                    for (int i = 0; i < s.length; i++) {
                        out.add(ByteBuffer.wrap(s, i, 1));
                    }
                }
            }
            return out;
        }
    }
}
