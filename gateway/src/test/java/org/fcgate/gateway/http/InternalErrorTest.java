package org.fcgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.HttpLimits;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.StaticOptions;
import org.fcgate.gateway.config.Timeouts;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.route.PathMatcher;
import org.fcgate.gateway.route.Route;
import org.fcgate.gateway.site.CurrentSite;
import org.fcgate.gateway.site.Site;
import org.fcgate.gateway.upstream.Upstream;
import org.fcgate.gateway.upstream.UpstreamExchange;
import org.fcgate.gateway.upstream.UpstreamRequest;
import org.fcgate.gateway.upstream.ResponseSink;
import org.fcgate.gateway.upstream.Upstreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An unexpected exception while serving is answered 500 with {@code Connection: close} and the connection closed;
 * the request's body is dropped, never handed to a handler that is not there (the NullPointerException that used to
 * close the connection without an answer).
 */
class InternalErrorTest {

    @TempDir
    Path dir;

    private EmbeddedChannel channel() throws Exception {
        Files.writeString(dir.resolve("x.php"), "<?php");
        DocumentRoot root = DocumentRoot.open(dir, false, true);
        Upstream broken = new Upstream() {
            @Override
            public String name() {
                return "php";
            }

            @Override
            public UpstreamExchange start(UpstreamRequest request, ResponseSink response) {
                throw new IllegalStateException("bug in the upstream");
            }
        };
        GatewayConfig config = new GatewayConfig(ListenAddress.defaults(), HttpLimits.defaults(), Timeouts.defaults(),
                StaticOptions.defaults(), List.of(new Route.FastCgi(new PathMatcher.Extension(Set.of(".php")), root,
                Set.of(".php"), "php")));
        Site site = new Site(1, config, Upstreams.of(Map.of("php", broken)));
        Http1RequestDecoder decoder = new Http1RequestDecoder(HttpLimits.defaults(), Timeouts.defaults());
        return new EmbeddedChannel(decoder, new HttpResponseEncoder(), new ChunkedWriteHandler(),
                new ExchangeHandler(new CurrentSite(site), decoder));
    }

    @Test
    void anExceptionFromTheUpstreamIs500AndClose() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("POST /x.php HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /x.php HTTP/1.1\r\nHost: a\r\n\r\n", StandardCharsets.US_ASCII));
        ch.runPendingTasks();
        StringBuilder out = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            out.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        assertThat(out.toString()).startsWith("HTTP/1.1 500 Internal Server Error\r\n")
                .contains("connection: close").containsOnlyOnce("HTTP/1.1");
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }
}
