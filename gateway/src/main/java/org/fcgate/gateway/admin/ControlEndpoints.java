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
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.fcgate.pool.Pool;
import org.fcgate.pool.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener's control actions (R69), each a POST:
 * <ul>
 *   <li>{@code /reload}: configuration reload ({@link ReloadTrigger}); 200 applied or unchanged, 422 rejected with
 *       every error (the old configuration stays), 409 when there is no file to reload. The answer waits for the
 *       reload, off the admin event loop.</li>
 *   <li>{@code /pools/NAME/reload}: rolling restart of the pool's children ({@link Pool#restart()}); 202.</li>
 *   <li>{@code /pools/NAME/scale} with {@code max_children=N} (query or form body): {@link Pool#resize}; 200, or
 *       400 with the rule the value breaks.</li>
 *   <li>{@code /pools/NAME/kill} with {@code pid=N}: stops that child of the pool ({@link Pool#stopChild}); 200, or
 *       403 for any pid that is not a live child of this pool (the gateway's own, 1, another pool's child).</li>
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
    private final Function<String, Optional<Pool>> pools;
    private volatile ReloadTrigger reload = ReloadTrigger.NONE;

    /** {@code pools}: the current generation of a pool by name (it changes with configuration reloads). */
    ControlEndpoints(Optional<AdminToken> token, Function<String, Optional<Pool>> pools) {
        this.token = token;
        this.pools = pools;
    }

    /** What {@code POST /reload} runs. */
    void reloadWith(ReloadTrigger trigger) {
        this.reload = Objects.requireNonNull(trigger, "trigger");
    }

    static boolean isControlPath(String path) {
        return path.equals("/reload") || path.startsWith("/pools/");
    }

    /**
     * {@code local}: the admin socket the request came in on; {@code peer}: for the log. Completed at once except
     * for a configuration reload, which completes when the reload is done (on the reload's thread).
     */
    CompletableFuture<Reply> handle(FullHttpRequest request, String path, SocketAddress local, SocketAddress peer) {
        if (path.equals("/reload")) {
            Optional<Reply> refused = checks(request, path, local, peer);
            if (refused.isPresent()) {
                return CompletableFuture.completedFuture(refused.get());
            }
            LOG.info("admin: configuration reload requested by {}", peer);
            return reload.reload("POST /reload from " + peer).handle((outcome, error) -> {
                if (error != null) {
                    LOG.error("admin: configuration reload failed", error);
                    return Reply.of(HttpResponseStatus.INTERNAL_SERVER_ERROR, "reload failed: " + error + "\n");
                }
                return Reply.of(HttpResponseStatus.valueOf(outcome.result().status()), outcome.text());
            });
        }
        return CompletableFuture.completedFuture(handleNow(request, path, local, peer));
    }

    /** The refusals every control action shares, in order; empty when the request may act. */
    private Optional<Reply> checks(FullHttpRequest request, String path, SocketAddress local, SocketAddress peer) {
        if (token.isEmpty()) {
            return Optional.of(Reply.of(HttpResponseStatus.NOT_FOUND,
                    "not found (control endpoints need an admin token)\n"));
        }
        if (!request.method().equals(HttpMethod.POST)) {
            return Optional.of(new Reply(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed: use POST\n",
                    Optional.of("POST"), Optional.empty()));
        }
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin != null && !ownOrigins(local).contains(origin)) {
            LOG.warn("admin control refused: cross-origin request peer={} origin={} path={}", peer,
                    printable(origin), path);
            return Optional.of(Reply.of(HttpResponseStatus.FORBIDDEN, "forbidden: cross-origin request\n"));
        }
        if (!authorized(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
            LOG.warn("admin control refused: missing or wrong token peer={} path={}", peer, path);
            return Optional.of(new Reply(HttpResponseStatus.UNAUTHORIZED,
                    "unauthorized: Authorization: Bearer TOKEN needed\n", Optional.empty(),
                    Optional.of("Bearer realm=\"fcgate-admin\"")));
        }
        return Optional.empty();
    }

    private Reply handleNow(FullHttpRequest request, String path, SocketAddress local, SocketAddress peer) {
        Optional<Reply> refused = checks(request, path, local, peer);
        if (refused.isPresent()) {
            return refused.get();
        }
        String[] parts = path.startsWith("/pools/") ? path.substring("/pools/".length()).split("/", -1)
                : new String[0];
        if (parts.length != 2) {
            return Reply.of(HttpResponseStatus.NOT_FOUND, "not found\n");
        }
        Optional<Pool> pool = pools.apply(parts[0]);
        if (pool.isEmpty()) {
            return Reply.of(HttpResponseStatus.NOT_FOUND, "no such pool\n");
        }
        return switch (parts[1]) {
            case "reload" -> reload(pool.get(), peer);
            case "scale" -> scale(pool.get(), request, peer);
            case "kill" -> kill(pool.get(), request, peer);
            default -> Reply.of(HttpResponseStatus.NOT_FOUND, "not found\n");
        };
    }

    /** R69: only a live child of this pool; the gateway itself, pid 1 and every other process are refused. */
    private Reply kill(Pool pool, FullHttpRequest request, SocketAddress peer) {
        Optional<String> value = parameter(request, "pid");
        if (value.isEmpty() || !value.get().matches("[0-9]{1,10}")) {
            return Reply.of(HttpResponseStatus.BAD_REQUEST, "pid=N is required (a process id)\n");
        }
        long pid = Long.parseLong(value.get());
        Pool.ChildStop result = pid == ProcessHandle.current().pid() ? Pool.ChildStop.NOT_A_CHILD
                : pool.stopChild(pid);
        return switch (result) {
            case STOPPING -> {
                LOG.info("admin: child {} of pool {} stopped, requested by {}", pid, pool.name(), peer);
                yield Reply.of(HttpResponseStatus.OK, "child " + pid + " of pool " + pool.name()
                        + ": SIGTERM sent (SIGKILL after kill_grace " + pool.config().killGrace().toMillis()
                        + " ms); the pool replaces it\n");
            }
            case ALREADY_STOPPING -> Reply.of(HttpResponseStatus.OK, "child " + pid + " of pool " + pool.name()
                    + " is already stopping\n");
            case NOT_A_CHILD -> {
                LOG.warn("admin control refused: pid {} is not a child of pool {} peer={}", pid, pool.name(), peer);
                yield Reply.of(HttpResponseStatus.FORBIDDEN, "forbidden: pid " + pid + " is not a child of pool "
                        + pool.name() + "\n");
            }
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

    /** A fixed set of pools, looked up by name. */
    static Function<String, Optional<Pool>> byName(java.util.Collection<Pool> pools) {
        Map<String, Pool> m = new java.util.LinkedHashMap<>();
        pools.forEach(p -> m.put(p.name(), p));
        return name -> Optional.ofNullable(m.get(name));
    }
}
