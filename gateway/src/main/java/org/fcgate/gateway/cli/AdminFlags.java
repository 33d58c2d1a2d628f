package org.fcgate.gateway.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.fcgate.gateway.admin.AdminOptions;
import org.fcgate.gateway.admin.AdminToken;
import org.fcgate.gateway.admin.Observability;
import picocli.CommandLine.Option;

/** {@code --admin} and {@code --admin-token-file}, shared by {@code serve} and {@code run} (a picocli mixin). */
final class AdminFlags {

    @Option(names = "--admin", paramLabel = "HOST:PORT", description = "Admin listener (/metrics, /status, /ping, "
            + "/health/*): PORT alone is 127.0.0.1:PORT (default: off).")
    String admin;

    @Option(names = "--admin-token-file", paramLabel = "FILE", description = "Enables the admin control endpoints "
            + "(POST /pools/NAME/reload, /pools/NAME/scale): they require 'Authorization: Bearer' with the token in "
            + "FILE (at least 16 characters). Default: no control endpoints.")
    Path tokenFile;

    /** The admin listener asked for, if any; a token file without {@code --admin} is an error. */
    Optional<AdminOptions> options() throws IOException {
        if (admin == null) {
            if (tokenFile != null) {
                throw new IllegalArgumentException("--admin-token-file needs --admin");
            }
            return Optional.empty();
        }
        Optional<AdminToken> token = tokenFile == null ? Optional.empty() : Optional.of(AdminToken.readFile(tokenFile));
        return Optional.of(new AdminOptions(Observability.parseAddress(admin), token));
    }
}
