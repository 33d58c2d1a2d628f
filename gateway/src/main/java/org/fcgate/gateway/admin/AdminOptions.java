package org.fcgate.gateway.admin;

import java.util.Objects;
import java.util.Optional;
import org.fcgate.gateway.config.ListenAddress;

/**
 * The admin listener: where it listens, and the token that enables its control endpoints ({@code POST /pools/...},
 * {@code POST /reload}). Without a token those endpoints do not exist (404): read-only monitoring only.
 */
public record AdminOptions(ListenAddress listen, Optional<AdminToken> token) {

    public AdminOptions {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(token, "token");
    }

    /** Monitoring endpoints only. */
    public static AdminOptions readOnly(ListenAddress listen) {
        return new AdminOptions(listen, Optional.empty());
    }
}
