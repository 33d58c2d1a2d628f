package org.fcgate.gateway.admin;

import java.util.concurrent.CompletableFuture;

/** Asks for a configuration reload ({@code POST /reload}); the future completes with what the reload did. */
@FunctionalInterface
public interface ReloadTrigger {

    /** {@code cause}: for the log, e.g. {@code "POST /reload from /127.0.0.1:40312"}. */
    CompletableFuture<ReloadOutcome> reload(String cause);

    /** Where nothing can be reloaded (tests, and until a gateway installs its own). */
    ReloadTrigger NONE = cause -> CompletableFuture.completedFuture(ReloadOutcome.unavailable(1,
            "configuration reload is not available here"));
}
