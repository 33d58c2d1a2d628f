package org.fcgate.gateway.fastcgi;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;

/**
 * Moves a kept backend connection to another event loop, where the request that takes it runs (a request's exchange
 * and its backend channel share one loop, HexDumpProxy-style). Netty 4.2 keeps a channel's pipeline across a
 * deregister and a register; the move costs two epoll_ctl calls and a task on each loop, far less than a close and a
 * new connect (and php-fpm's accept) per request.
 */
final class ChannelMove {

    private ChannelMove() {
    }

    /**
     * Re-registers {@code channel} on {@code target}, then runs {@code then} there. On any failure the channel is
     * closed and {@code then} still runs; it finds the channel inactive. Nothing reads the channel after the move
     * until {@code then} asks for it.
     */
    static void moveTo(Channel channel, EventLoop target, Runnable then) {
        if (channel.eventLoop() == target && channel.isRegistered() || !channel.isOpen()) {
            runOn(target, then);
            return;
        }
        channel.deregister().addListener(d -> {
            if (!d.isSuccess() || !channel.isOpen()) {
                channel.close();
                runOn(target, then);
                return;
            }
            target.register(channel).addListener(r -> {
                if (!r.isSuccess()) {
                    channel.close();
                }
                runOn(target, then);
            });
        });
    }

    private static void runOn(EventLoop target, Runnable step) {
        if (target.inEventLoop()) {
            step.run();
        } else {
            target.execute(step);
        }
    }
}
