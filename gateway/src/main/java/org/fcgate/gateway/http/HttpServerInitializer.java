package org.fcgate.gateway.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.util.function.Consumer;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.route.Router;
import org.fcgate.gateway.staticfiles.StaticFileResponder;

/**
 * Pipeline of one client connection (inbound top to bottom, outbound bottom to top):
 * <pre>
 *   decoder   Http1RequestDecoder  strict HTTP/1.x parsing, read demand, read timeouts
 *   encoder   HttpResponseEncoder  Netty's response serialiser (our responses are well-formed by construction)
 *   chunked   ChunkedWriteHandler  streams ChunkedInput bodies (static files when sendfile is off or TLS is on)
 *   exchange  ExchangeHandler      routing, static files, upstream seam, one request at a time
 * </pre>
 * A connection from an address that already has {@code maxConnectionsPerIp} open is closed here, before any handler
 * is added ({@link PerIpConnections}).
 */
public final class HttpServerInitializer extends ChannelInitializer<SocketChannel> {

    private final GatewayConfig config;
    private final Router router;
    private final StaticFileResponder staticFiles;
    private final Consumer<ChannelPipeline> pipelineHook;
    private final PerIpConnections perIp;
    private final Connections connections;

    public HttpServerInitializer(GatewayConfig config, Router router) {
        this(config, router, p -> { });
    }

    /** {@code pipelineHook} may add handlers around the ones below (metrics). */
    public HttpServerInitializer(GatewayConfig config, Router router, Consumer<ChannelPipeline> pipelineHook) {
        this(config, router, pipelineHook, new Connections());
    }

    /** As above; every connection joins {@code connections} (the shutdown drain). */
    HttpServerInitializer(GatewayConfig config, Router router, Consumer<ChannelPipeline> pipelineHook,
                          Connections connections) {
        this.connections = connections;
        this.pipelineHook = pipelineHook;
        this.config = config;
        this.router = router;
        this.staticFiles = new StaticFileResponder(config.staticOptions());
        this.perIp = new PerIpConnections(config.limits().maxConnectionsPerIp(), System::nanoTime);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        if (!perIp.admit(ch)) {
            ch.close();
            return;
        }
        Http1RequestDecoder decoder = new Http1RequestDecoder(config.limits(), config.timeouts());
        ChannelPipeline p = ch.pipeline();
        p.addLast("decoder", decoder);
        p.addLast("encoder", new HttpResponseEncoder());
        p.addLast("chunked", new ChunkedWriteHandler());
        p.addLast("exchange", new ExchangeHandler(router, staticFiles, decoder));
        pipelineHook.accept(p);
        connections.add(ch);
    }
}
