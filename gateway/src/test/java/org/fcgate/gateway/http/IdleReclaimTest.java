package org.fcgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.Timeouts;
import org.junit.jupiter.api.Test;

/** {@link Connections#closeOldestIdle}: which idle connections make room when descriptors run out (R67). */
class IdleReclaimTest {

    private final Connections connections = new Connections();
    private final List<EmbeddedChannel> all = new ArrayList<>();

    /** A connection waiting for its first request, idle from now on. */
    private EmbeddedChannel connection() {
        EmbeddedChannel ch = new EmbeddedChannel(DefaultChannelId.newInstance(), // a group keys channels by id
                new Http1RequestDecoder(HttpLimits.defaults(), Timeouts.defaults()));
        connections.add(ch);
        all.add(ch);
        return ch;
    }

    private int reclaim() {
        CompletableFuture<Integer> closed = connections.closeOldestIdle();
        all.forEach(EmbeddedChannel::runPendingTasks);
        assertThat(closed).as("completes once the closes ran on each loop").isDone();
        return closed.join();
    }

    @Test
    void oneEighthOfTheIdleConnectionsCloseOldestFirst() {
        for (int i = 0; i < 16; i++) {
            connection();
        }
        assertThat(reclaim()).isEqualTo(2);
        assertThat(all.subList(0, 2)).allMatch(ch -> !ch.isOpen());
        assertThat(all.subList(2, 16)).allMatch(EmbeddedChannel::isOpen);
        assertThat(connections.open()).isEqualTo(14);
    }

    @Test
    void atLeastOneAndAtMostThirtyTwo() {
        connection();
        connection();
        assertThat(reclaim()).as("2 / 8 rounds to 0; one still closes").isEqualTo(1);
        assertThat(all.get(0).isOpen()).isFalse();
        for (int i = 0; i < 400; i++) {
            connection();
        }
        assertThat(reclaim()).as("401 / 8 = 50, capped").isEqualTo(Connections.RECLAIM_MAX);
        assertThat(all.subList(1, 33)).allMatch(ch -> !ch.isOpen());
        assertThat(all.subList(33, all.size())).allMatch(EmbeddedChannel::isOpen);
    }

    @Test
    void aConnectionWhoseRequestHasBegunIsNotIdle() {
        EmbeddedChannel slow = connection();
        slow.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII));
        EmbeddedChannel idle = connection();
        assertThat(reclaim()).isEqualTo(1);
        assertThat(slow.isOpen()).as("a head under way is left to client_header_timeout").isTrue();
        assertThat(idle.isOpen()).isFalse();
        assertThat(reclaim()).as("nothing idle left").isZero();
        slow.finishAndReleaseAll();
    }
}
