package org.fcgate.fcgi.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.RecordEncoder;
import org.fcgate.fcgi.protocol.RecordType;
import org.fcgate.fcgi.protocol.Role;
import org.junit.jupiter.api.Test;

/**
 * Found by reading the fuzz harness: a peer that opens many request ids, each declaring a large name-value pair and
 * sending none of its bytes, must not make the decoder hold the declared sizes (2,000 ids × 60 KB would be 120 MB).
 */
class ApplicationDecoderMemoryTest {

    @Test
    void declaredPairLengthsOnManyRequestIdsHoldOnlyTheBytesReceived() throws Exception {
        int ids = 2000;
        ByteBuffer wire = ByteBuffer.allocate(ids * 48);
        for (int id = 1; id <= ids; id++) {
            RecordEncoder.beginRequest(wire, id, Role.RESPONDER, true);
            // One PARAMS record of 8 content bytes: a 4-byte name length of 30,000 and a 4-byte value length of
            // 30,000, then nothing of either.
            RecordEncoder.header(wire, RecordType.PARAMS, id, 8);
            wire.putInt(30_000 | 0x80000000).putInt(30_000 | 0x80000000);
        }
        wire.flip();
        ApplicationRequestDecoder decoder = new ApplicationRequestDecoder(FcgiLimits.DEFAULTS, new Ignore());

        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        decoder.feed(wire);
        long allocated = threads.getThreadAllocatedBytes(tid) - before;

        assertThat(decoder.activeRequests()).isEqualTo(ids);
        assertThat(allocated).as("bytes allocated for %d half-declared pairs", ids).isLessThan(8L << 20);
    }

    private static final class Ignore implements RequestListener {
        @Override
        public void onBeginRequest(int requestId, Role role, int roleCode, boolean keepConn) {
        }

        @Override
        public void onParams(int requestId, Params params) {
        }

        @Override
        public void onStdin(int requestId, ByteBuffer chunk) {
        }

        @Override
        public void onStdinEnd(int requestId) {
        }

        @Override
        public void onAbort(int requestId) {
        }

        @Override
        public void onGetValues(Params query) {
        }

        @Override
        public void onUnknownManagementRecord(int type) {
        }
    }
}
