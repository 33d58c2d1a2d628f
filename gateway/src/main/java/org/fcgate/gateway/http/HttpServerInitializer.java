package org.fcgate.gateway.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import java.util.function.Consumer;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.site.CurrentSite;

/**
 * Pipeline of one client connection (inbound top to bottom, outbound bottom to top):
 * <pre>
 *   decoder   Http1RequestDecoder  strict HTTP/1.x parsing, read demand, read timeouts
 *   encoder   Http1ResponseEncoder Netty's response serialiser (our responses are well-formed by construction),
 *                                  pre-encoded heads for cached static files
 *   exchange  ExchangeHandler      routing, static files, upstream seam, one request at a time
 * </pre>
 * {@code chunked} ({@link io.netty.handler.stream.ChunkedWriteHandler}, static files when sendfile is off or TLS is
 * on) is added before {@code exchange} by the first response that needs it ({@link ResponseWriter}).
 * A connection from an address that already has {@code maxConnectionsPerIp} open is closed here, before any handler
 * is added ({@link PerIpConnections}). Limits, timeouts and the per-IP cap are those of the site current at accept
 * (a reload applies them to new connections); routes are chosen per request ({@link ExchangeHandler}).
 */
public final class HttpServerInitializer extends ChannelInitializer<SocketChannel> {

    private final CurrentSite sites;
    private final Consumer<ChannelPipeline> pipelineHook;
    private final PerIpConnections perIp;
    private final Connections connections;

    /**
     * Each connection takes its limits and timeouts from the site current when it is accepted, and each request is
     * routed by the site current when its head arrives; {@code pipelineHook} may add handlers around the ones above
     * (metrics); every connection joins {@code connections} (the shutdown drain).
     */
    public HttpServerInitializer(CurrentSite sites, Consumer<ChannelPipeline> pipelineHook, Connections connections) {
        this.sites = sites;
        this.connections = connections;
        this.pipelineHook = pipelineHook;
        this.perIp = new PerIpConnections(sites.get().config().limits().maxConnectionsPerIp(), System::nanoTime);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        GatewayConfig config = sites.get().config();
        if (!perIp.admit(ch, config.limits().maxConnectionsPerIp())) {
            ch.close();
            return;
        }
        Http1RequestDecoder decoder = new Http1RequestDecoder(config.limits(), config.timeouts());
        ChannelPipeline p = ch.pipeline();
        p.addLast("decoder", decoder);
        p.addLast("encoder", new Http1ResponseEncoder());
        p.addLast("exchange", new ExchangeHandler(sites, decoder));
        pipelineHook.accept(p);
        connections.add(ch);
    }
}
