package org.fcgate.fcgi.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What a decoder reported, in order, with chunk boundaries erased: consecutive data of the same kind is one event, so
 * logs of the same stream fed in different chunkings compare equal exactly when the decoder behaved the same.
 */
final class EventLog {

    private final List<String> events = new ArrayList<>();
    private String dataKind;
    private ByteArrayOutputStream data;

    void event(String event) {
        flush();
        events.add(event);
    }

    /** Appends the remaining bytes of {@code chunk} (without consuming them) to a data event of {@code kind}. */
    void data(String kind, ByteBuffer chunk) {
        if (!chunk.hasRemaining()) {
            return;
        }
        if (!kind.equals(dataKind)) {
            flush();
            dataKind = kind;
            data = new ByteArrayOutputStream();
        }
        ByteBuffer copy = chunk.duplicate();
        while (copy.hasRemaining()) {
            data.write(copy.get());
        }
    }

    List<String> events() {
        flush();
        return List.copyOf(events);
    }

    private void flush() {
        if (dataKind != null) {
            events.add(dataKind + " " + HexFormat.of().formatHex(data.toByteArray()));
            dataKind = null;
            data = null;
        }
    }
}
