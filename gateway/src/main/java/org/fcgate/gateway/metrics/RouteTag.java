package org.fcgate.gateway.metrics;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import org.fcgate.gateway.route.Dispatch;

/**
 * The {@code route} label of the request being served on a connection, set by the exchange handler when it has
 * routed the head. Values are bounded: {@code static}, {@code redirect}, {@code fastcgi:<upstream>} (an upstream
 * name from the configuration), {@code refused}; a request refused before routing has no tag and counts as
 * {@code none}.
 */
public final class RouteTag {

    static final AttributeKey<String> KEY = AttributeKey.valueOf("fcgate.route");
    static final String NONE = "none";

    private RouteTag() {
    }

    public static void set(Channel channel, Dispatch dispatch) {
        channel.attr(KEY).set(of(dispatch));
    }

    static String of(Dispatch dispatch) {
        if (dispatch instanceof Dispatch.ServeFile) {
            return "static";
        } else if (dispatch instanceof Dispatch.AddSlash) {
            return "redirect";
        } else if (dispatch instanceof Dispatch.Forward f) {
            return "fastcgi:" + f.upstream().name();
        }
        return "refused";
    }

    /** The tag of the current request, cleared so the next request on the connection starts untagged. */
    public static String take(Channel channel) {
        String tag = channel.attr(KEY).getAndSet(null);
        return tag == null ? NONE : tag;
    }
}
