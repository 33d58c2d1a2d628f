package org.fcgate.gateway.cgi;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How the CGI/1.1 environment of a FastCGI request is built (see {@link CgiEnvironment}); every default is named.
 *
 * @param serverName            SERVER_NAME; empty: the request's Host without its port (R20: configure it for vhosts)
 * @param serverSoftware        SERVER_SOFTWARE
 * @param trustedProxies        peers whose X-Forwarded-For sets REMOTE_ADDR; empty: nobody's
 * @param underscoresInHeaders  forward headers whose names contain '_' (nginx {@code underscores_in_headers}); off by
 *                              default because {@code X_Foo} and {@code X-Foo} would both become {@code HTTP_X_FOO}
 * @param extraParams           per-route params added last (e.g. PHP_VALUE, APP_ENV); the only way to set PHP_VALUE
 */
public record CgiOptions(Optional<String> serverName, String serverSoftware, TrustedProxies trustedProxies,
                         boolean underscoresInHeaders, Map<String, String> extraParams) {

    /** The gateway's version as SERVER_SOFTWARE shows it: {@code fcgate/<jar version>} ({@link ServerSoftware}). */
    public static final String DEFAULT_SERVER_SOFTWARE = ServerSoftware.current();
    public static final boolean DEFAULT_UNDERSCORES_IN_HEADERS = false;

    public CgiOptions {
        Objects.requireNonNull(serverName, "serverName");
        Objects.requireNonNull(serverSoftware, "serverSoftware");
        Objects.requireNonNull(trustedProxies, "trustedProxies");
        extraParams = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extraParams));
    }

    public static CgiOptions defaults() {
        return new CgiOptions(Optional.empty(), DEFAULT_SERVER_SOFTWARE, TrustedProxies.none(),
                DEFAULT_UNDERSCORES_IN_HEADERS, Map.of());
    }

    public CgiOptions withServerName(String name) {
        return new CgiOptions(Optional.of(name), serverSoftware, trustedProxies, underscoresInHeaders, extraParams);
    }

    public CgiOptions withTrustedProxies(TrustedProxies t) {
        return new CgiOptions(serverName, serverSoftware, t, underscoresInHeaders, extraParams);
    }

    public CgiOptions withUnderscoresInHeaders(boolean on) {
        return new CgiOptions(serverName, serverSoftware, trustedProxies, on, extraParams);
    }

    public CgiOptions withExtraParams(Map<String, String> params) {
        return new CgiOptions(serverName, serverSoftware, trustedProxies, underscoresInHeaders, params);
    }
}
