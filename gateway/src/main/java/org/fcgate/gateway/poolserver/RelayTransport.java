package org.fcgate.gateway.poolserver;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/**
 * Channel types of the pool server's one event loop group: native epoll when available, NIO otherwise. A child
 * connection is registered on its web server connection's loop (STYLE 12), so both must be of the same transport.
 */
enum RelayTransport {
    EPOLL, NIO;

    static RelayTransport current() {
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    IoHandlerFactory ioHandlerFactory() {
        return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    Class<? extends ServerChannel> serverChannel(boolean unix) {
        if (this == EPOLL) {
            return unix ? EpollServerDomainSocketChannel.class : EpollServerSocketChannel.class;
        }
        return unix ? NioServerDomainSocketChannel.class : NioServerSocketChannel.class;
    }

    Class<? extends Channel> clientChannel(boolean unix) {
        if (this == EPOLL) {
            return unix ? EpollDomainSocketChannel.class : EpollSocketChannel.class;
        }
        return unix ? NioDomainSocketChannel.class : NioSocketChannel.class;
    }

    /** The Unix socket address this transport's channels take. */
    SocketAddress unixAddress(Path path) {
        return this == EPOLL ? new DomainSocketAddress(path.toString()) : UnixDomainSocketAddress.of(path);
    }

    /** What the pool manager hands out ({@link UnixDomainSocketAddress} or an IP address), for this transport. */
    SocketAddress childAddress(SocketAddress leased) {
        return leased instanceof UnixDomainSocketAddress u ? unixAddress(u.getPath()) : leased;
    }
}
