package org.fcgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PerIpConnectionsTest {

    private final AtomicLong now = new AtomicLong();

    private static EmbeddedChannel from(String ip) {
        SocketAddress peer = new InetSocketAddress(ip, 40000);
        return new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return peer;
            }
        };
    }

    @Test
    void theCapIsPerAddressAndAClosedConnectionFreesItsPlace() throws Exception {
        PerIpConnections cap = new PerIpConnections(2, now::get);
        EmbeddedChannel a1 = from("10.0.0.1");
        assertThat(cap.admit(a1)).isTrue();
        assertThat(cap.admit(from("10.0.0.1"))).isTrue();
        assertThat(cap.admit(from("10.0.0.1"))).isFalse();
        assertThat(cap.admit(from("10.0.0.2"))).as("another address").isTrue();
        assertThat(cap.refused()).isEqualTo(1);
        a1.close();
        assertThat(cap.openFrom(InetAddress.getByName("10.0.0.1"))).isEqualTo(1);
        assertThat(cap.admit(from("10.0.0.1"))).isTrue();
    }

    @Test
    void zeroIsUnlimited() {
        PerIpConnections cap = new PerIpConnections(0, now::get);
        for (int i = 0; i < 1000; i++) {
            assertThat(cap.admit(from("10.0.0.1"))).isTrue();
        }
        assertThat(cap.refused()).isZero();
    }
}
