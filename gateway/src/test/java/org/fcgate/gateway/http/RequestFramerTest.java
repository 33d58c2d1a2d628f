package org.fcgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.error.Reason;
import org.fcgate.gateway.error.RejectedException;
import org.fcgate.gateway.support.LeakTracker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The framer gives the same events however its input is split (every split offset of a pipelined stream). */
class RequestFramerTest {

    static {
        LeakTracker.install();
    }

    private static final String STREAM = "\r\nPOST /a.php?x=1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3;name=v\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n"
            + "PUT /b HTTP/1.1\r\nHost: b\r\nContent-Length: 4\r\n\r\nwxyz"
            + "GET / HTTP/1.0\r\n\r\n";

    @AfterAll
    static void noLeaks() {
        assertThat(LeakTracker.collect()).isEmpty();
    }

    @Test
    void sameEventsAtEverySplitOffset() throws Exception {
        byte[] bytes = STREAM.getBytes(StandardCharsets.US_ASCII);
        List<String> whole = run(bytes, bytes.length);
        assertThat(whole).containsExactly(
                "HEAD POST /a.php?x=1 host=a Chunked[]", "DATA abcde", "END T=1",
                "HEAD PUT /b host=b Fixed[length=4]", "DATA wxyz", "END",
                "HEAD GET / host= None[]", "END");
        for (int split = 0; split <= bytes.length; split++) {
            assertThat(run(bytes, split)).as("split at %d", split).isEqualTo(whole);
        }
    }

    @Test
    void oneByteAtATime() throws Exception {
        byte[] bytes = STREAM.getBytes(StandardCharsets.US_ASCII);
        RequestFramer framer = new RequestFramer(HttpLimits.defaults());
        ByteBuf buf = Unpooled.buffer();
        List<String> events = new ArrayList<>();
        for (byte b : bytes) {
            buf.writeByte(b);
            drain(framer, buf, events);
        }
        buf.release();
        assertThat(mergeData(events)).isEqualTo(run(bytes, bytes.length));
    }

    @Test
    void chunkSizeSyntaxIsStrict() {
        for (String bad : new String[] {"-1\r\n", "0x5\r\n", " 5\r\n", "5\n", "ffffffffffffffff\r\n", "5\r\nabcdeXY"}) {
            ByteBuf buf = Unpooled.copiedBuffer("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + bad, StandardCharsets.US_ASCII);
            RequestFramer framer = new RequestFramer(HttpLimits.defaults());
            List<Object> out = new ArrayList<>();
            assertThatThrownBy(() -> framer.decode(buf, out)).as(bad).isInstanceOf(RejectedException.class)
                    .extracting(e -> ((RejectedException) e).reason())
                    .isIn(Reason.BAD_CHUNK, Reason.BARE_LF, Reason.BODY_TOO_LARGE);
            out.forEach(io.netty.util.ReferenceCountUtil::release);
            buf.release();
        }
    }

    private static List<String> run(byte[] bytes, int split) throws RejectedException {
        RequestFramer framer = new RequestFramer(HttpLimits.defaults());
        ByteBuf buf = Unpooled.buffer();
        List<String> events = new ArrayList<>();
        buf.writeBytes(bytes, 0, split);
        drain(framer, buf, events);
        buf.writeBytes(bytes, split, bytes.length - split);
        drain(framer, buf, events);
        buf.release();
        return mergeData(events);
    }

    /** Body pieces follow the input's split; only their concatenation is a property. */
    private static List<String> mergeData(List<String> events) {
        List<String> merged = new ArrayList<>();
        for (String e : events) {
            int last = merged.size() - 1;
            if (e.startsWith("DATA ") && last >= 0 && merged.get(last).startsWith("DATA ")) {
                merged.set(last, merged.get(last) + e.substring(5));
            } else {
                merged.add(e);
            }
        }
        return merged;
    }

    /** Decodes what it can, resetting after each complete request as the decoder's resume() does. */
    private static void drain(RequestFramer framer, ByteBuf buf, List<String> events) throws RejectedException {
        for (;;) {
            List<Object> out = new ArrayList<>();
            framer.decode(buf, out);
            out.forEach(m -> events.add(describe(m)));
            if (framer.state() != RequestFramer.State.DONE) {
                return;
            }
            framer.reset();
        }
    }

    private static String describe(Object m) {
        try {
            if (m instanceof RequestHead h) {
                return "HEAD " + h.request().method() + " " + h.request().uri() + " host=" + h.host() + " "
                        + h.framing().getClass().getSimpleName() + h.framing().toString()
                        .substring(h.framing().toString().indexOf('['));
            }
            if (m instanceof LastHttpContent last) {
                StringBuilder sb = new StringBuilder("END");
                last.trailingHeaders().forEach(e -> sb.append(' ').append(e.getKey()).append('=').append(e.getValue()));
                return sb.toString();
            }
            if (m instanceof HttpContent c) {
                return "DATA " + c.content().toString(StandardCharsets.US_ASCII);
            }
            return String.valueOf(m);
        } finally {
            io.netty.util.ReferenceCountUtil.release(m);
        }
    }
}
