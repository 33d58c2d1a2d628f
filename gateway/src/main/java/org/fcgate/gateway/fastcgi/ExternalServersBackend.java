package org.fcgate.gateway.fastcgi;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * External FastCGI servers (php-fpm, another fcgate) by address, used round-robin: the next server that can take a
 * request at once wins; when every one is at its connection cap, the request waits at the round-robin choice.
 * A failed connect is answered at once (502/504), not retried on another server: the request body may be large.
 */
final class ExternalServersBackend implements Backend {

    private final ExternalServerOptions options;
    private final List<ServerConnections> servers;
    private final AtomicInteger next = new AtomicInteger();

    ExternalServersBackend(ExternalServerOptions options, FastCgiUpstreamOptions upstream) {
        this.options = options;
        List<ServerConnections> list = new ArrayList<>();
        for (BackendAddress a : options.addresses()) {
            list.add(new ServerConnections(a, options, upstream));
        }
        this.servers = List.copyOf(list);
    }

    @Override
    public String name() {
        return options.name();
    }

    List<ServerConnections> servers() {
        return servers;
    }

    @Override
    public Runnable open(EventLoop loop, String uri, Callback callback) {
        return open(loop, callback, false);
    }

    @Override
    public Runnable openFresh(EventLoop loop, String uri, Callback callback) {
        return open(loop, callback, true);
    }

    private Runnable open(EventLoop loop, Callback callback, boolean fresh) {
        int n = servers.size();
        int start = Math.floorMod(next.getAndIncrement(), n);
        for (int i = 0; i < n; i++) {
            ServerConnections s = servers.get((start + i) % n);
            if (s.hasCapacity(loop)) {
                return s.acquire(loop, callback, fresh);
            }
        }
        return servers.get(start).acquire(loop, callback, fresh);
    }

    @Override
    public void close() {
        servers.forEach(ServerConnections::close);
    }
}
