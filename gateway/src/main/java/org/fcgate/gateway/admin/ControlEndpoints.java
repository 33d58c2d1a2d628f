package org.fcgate.gateway.admin;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.fcgate.pool.Pool;
import org.fcgate.pool.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener's control actions (R69), each a POST:
 * <ul>
 *   <li>{@code /pools/NAME/reload}: rolling restart of the pool's children ({@link Pool#restart()}); 202.</li>
 *   <li>{@code /pools/NAME/scale} with {@code max_children=N} (query or form body): {@link Pool#resize}; 200, or
 *       400 with the rule the value breaks.</li>
 *   <li>{@code /reload}: configuration reload, 501 until it exists.</li>
 * </ul>
 * Checks, in this order: no token configured → 404 (the endpoints do not exist); not POST → 405 with
 * {@code Allow: POST}; an {@code Origin} header other than this listener's own origin → 403 (a browser page on
 * another site cannot drive them, whatever the network path); no or wrong {@code Authorization: Bearer} token →
 * 401 (compared in constant time, {@link AdminToken}). Every accepted action is logged at INFO with the peer.
 */
final class ControlEndpoints {

    private static final Logger LOG = LoggerFactory.getLogger(ControlEndpoints.class);

    /** An answer: status, text body, and {@code Allow} / {@code WWW-Authenticate} when they apply. */
    record Reply(HttpResponseStatus status, String body, Optional<String> allow, Optional<String> authenticate) {
        static Reply of(HttpResponseStatus status, String body) {
            return new Reply(status, body, Optional.empty(), Optional.empty());
        }
    }

    private final Optional<AdminToken> token;
    private final Map<String, Pool> pools;

    ControlEndpoints(Optional<AdminToken> token, Map<String, Pool> pools) {
        this.token = token;
        this.pools = Map.copyOf(pools);
    }

    static boolean isControlPath(String path) {
        return path.equals("/reload") || path.startsWith("/pools/");
    }

    /** {@code local}: the admin socket the request came in on; {@code peer}: for the log. */
    Reply handle(FullHttpRequest request, String path, SocketAddress local, SocketAddress peer) {
        if (token.isEmpty()) {
            return Reply.of(HttpResponseStatus.NOT_FOUND, "not found (control endpoints need an admin token)\n");
        }
        if (!request.method().equals(HttpMethod.POST)) {
            return new Reply(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed: use POST\n",
                    Optional.of("POST"), Optional.empty());
        }
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin != null && !ownOrigins(local).contains(origin)) {
            LOG.warn("admin control refused: cross-origin request peer={} origin={} path={}", peer,
                    printable(origin), path);
            return Reply.of(HttpResponseStatus.FORBIDDEN, "forbidden: cross-origin request\n");
        }
        if (!authorized(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
            LOG.warn("admin control refused: missing or wrong token peer={} path={}", peer, path);
            return new Reply(HttpResponseStatus.UNAUTHORIZED, "unauthorized: Authorization: Bearer TOKEN needed\n",
                    Optional.empty(), Optional.of("Bearer realm=\"fcgate-admin\""));
        }
        if (path.equals("/reload")) {
            return Reply.of(HttpResponseStatus.NOT_IMPLEMENTED, "configuration reload is not implemented yet\n");
        }
        String[] parts = path.substring("/pools/".length()).split("/", -1);
        if (parts.length != 2) {
            return Reply.of(HttpResponseStatus.NOT_FOUND, "not found\n");
        }
        Pool pool = pools.get(parts[0]);
        if (pool == null) {
            return Reply.of(HttpResponseStatus.NOT_FOUND, "no such pool\n");
        }
        return switch (parts[1]) {
            case "reload" -> reload(pool, peer);
            case "scale" -> scale(pool, request, peer);
            default -> Reply.of(HttpResponseStatus.NOT_FOUND, "not found\n");
        };
    }

    private Reply reload(Pool pool, SocketAddress peer) {
        try {
            pool.restart();
        } catch (IllegalStateException e) {
            return Reply.of(HttpResponseStatus.CONFLICT, "pool " + pool.name() + " is not running\n");
        }
        LOG.info("admin: rolling restart of pool {} requested by {}", pool.name(), peer);
        return Reply.of(HttpResponseStatus.ACCEPTED, "rolling restart of pool " + pool.name() + " started\n");
    }

    private Reply scale(Pool pool, FullHttpRequest request, SocketAddress peer) {
        Optional<String> value = parameter(request, "max_children");
        if (value.isEmpty() || !value.get().matches("[0-9]{1,9}")) {
            return Reply.of(HttpResponseStatus.BAD_REQUEST, "max_children=N is required (a whole number)\n");
        }
        int before = pool.config().maxChildren();
        int n = Integer.parseInt(value.get());
        try {
            pool.resize(n);
        } catch (ConfigException e) {
            return Reply.of(HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n");
        } catch (IllegalStateException e) {
            return Reply.of(HttpResponseStatus.CONFLICT, "pool " + pool.name() + " is not running\n");
        }
        LOG.info("admin: pool {} max_children {} -> {} requested by {}", pool.name(), before, n, peer);
        return Reply.of(HttpResponseStatus.OK, "pool " + pool.name() + " max_children " + n + "\n");
    }

    /** From the query string, else from an {@code application/x-www-form-urlencoded} body. */
    private static Optional<String> parameter(FullHttpRequest request, String name) {
        List<String> q = new QueryStringDecoder(request.uri()).parameters().get(name);
        if (q != null && !q.isEmpty()) {
            return Optional.of(q.get(0));
        }
        String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        if (type.startsWith("application/x-www-form-urlencoded") && request.content().isReadable()) {
            String body = request.content().toString(StandardCharsets.UTF_8);
            List<String> b = new QueryStringDecoder(body, false).parameters().get(name);
            if (b != null && !b.isEmpty()) {
                return Optional.of(b.get(0));
            }
        }
        return Optional.empty();
    }

    private boolean authorized(String header) {
        String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).strip() : "";
        return token.orElseThrow().matches(presented); // hashed and compared even when empty: same timing
    }

    /** {@code http://HOST:PORT} of the admin socket, plus {@code localhost} when it is a loopback address. */
    static List<String> ownOrigins(SocketAddress local) {
        List<String> origins = new ArrayList<>();
        if (local instanceof InetSocketAddress a) {
            String host = a.getAddress() instanceof java.net.Inet6Address v6 ? "[" + rfc5952(v6) + "]"
                    : a.getAddress().getHostAddress();
            origins.add("http://" + host + ":" + a.getPort());
            if (a.getAddress().isLoopbackAddress()) {
                origins.add("http://localhost:" + a.getPort());
            }
        }
        return origins;
    }

    /** An IPv6 address as browsers write it in an origin (RFC 5952 §4): {@code ::1}, not {@code 0:0:0:0:0:0:0:1}. */
    static String rfc5952(java.net.Inet6Address address) {
        byte[] b = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (b[2 * i] & 0xff) << 8 | b[2 * i + 1] & 0xff;
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not shortened (§4.2.2)
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    private static String printable(String s) {
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** For {@code PoolManager} users: the pools by name. */
    static Map<String, Pool> byName(java.util.Collection<Pool> pools) {
        Map<String, Pool> m = new java.util.LinkedHashMap<>();
        pools.forEach(p -> m.put(p.name(), p));
        return m;
    }
}
