package org.fcgate.gateway.fastcgi;

import io.netty.channel.Channel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The backend channel type. A backend channel is registered on the client connection's event loop (Netty's
 * HexDumpProxy pattern), so it must be of the loop's transport: the one {@code HttpServer} chose, native epoll when
 * available, NIO otherwise.
 */
enum Transport {
    EPOLL, NIO;

    static Transport current() {
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    Class<? extends Channel> channelFor(BackendAddress address) {
        boolean unix = address instanceof BackendAddress.Unix;
        if (this == EPOLL) {
            return unix ? EpollDomainSocketChannel.class : EpollSocketChannel.class;
        }
        return unix ? NioDomainSocketChannel.class : NioSocketChannel.class;
    }
}
