package org.fcgate.gateway.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Per-route options of a FastCGI route, for the forwarder (nginx's word in brackets).
 *
 * @param params            extra FastCGI params sent with every request of the route, after the RFC 3875 ones, in
 *                          this order ({@code fastcgi_param}); an empty value is sent as an empty param
 * @param requestBuffering  read the whole request body before contacting the upstream, so a slow client never holds
 *                          a child ({@code fastcgi_request_buffering}); off: stream it as it arrives
 * @param responseBuffering read the upstream's response as fast as it comes, buffering what the client cannot take
 *                          yet, so the child is freed early ({@code fastcgi_buffering}); off: the child waits for the
 *                          client (HexDumpProxy backpressure)
 * @param indexFiles        script names tried, in order, for a path ending in {@code /} ({@code fastcgi_index},
 *                          which nginx allows only one of)
 * @param frontController   script run when the path names no script, with the original REQUEST_URI, e.g.
 *                          {@code /index.php} ({@code try_files $uri $uri/ /index.php})
 * @param trustedProxies    clients whose {@code X-Forwarded-For} is believed for REMOTE_ADDR
 *                          ({@code set_real_ip_from}); empty: REMOTE_ADDR is always the peer
 */
public record FastCgiOptions(Map<String, String> params, boolean requestBuffering, boolean responseBuffering,
                             List<String> indexFiles, Optional<String> frontController, List<Cidr> trustedProxies) {

    public FastCgiOptions {
        // Map.copyOf would lose the order in which the params are written.
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        indexFiles = List.copyOf(indexFiles);
        Objects.requireNonNull(frontController, "frontController");
        frontController.ifPresent(f -> {
            if (!f.startsWith("/")) {
                throw new IllegalArgumentException("front controller '" + f + "' must start with '/'");
            }
        });
        trustedProxies = List.copyOf(trustedProxies);
    }

    public static FastCgiOptions defaults() {
        return new FastCgiOptions(Map.of(), GatewayDefaults.FASTCGI_REQUEST_BUFFERING,
                GatewayDefaults.FASTCGI_RESPONSE_BUFFERING, GatewayDefaults.FASTCGI_INDEX_FILES, Optional.empty(),
                List.of());
    }
}
