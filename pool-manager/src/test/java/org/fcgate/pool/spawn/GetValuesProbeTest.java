package org.fcgate.pool.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class GetValuesProbeTest {

    @Test
    void requestIsOnePaddedGetValuesManagementRecord() {
        ByteBuffer b = GetValuesProbe.request();
        byte[] expected = new byte[32];
        expected[0] = 1;    // version
        expected[1] = 9;    // type FCGI_GET_VALUES
        expected[2] = 0;    // requestId high: management record
        expected[3] = 0;    // requestId low
        expected[4] = 0;    // contentLength high
        expected[5] = 17;   // contentLength low: 1 + 1 + 15
        expected[6] = 7;    // paddingLength: 17 + 7 = 24
        expected[7] = 0;    // reserved
        expected[8] = 15;   // nameLength
        expected[9] = 0;    // valueLength: empty in a query
        System.arraycopy("FCGI_MPXS_CONNS".getBytes(), 0, expected, 10, 15);
        byte[] actual = new byte[b.remaining()];
        b.get(actual);
        assertThat(actual).isEqualTo(expected);
    }
}
