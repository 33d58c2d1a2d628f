package org.fcgate.gateway.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.fcgate.gateway.admin.AdminConfig;
import org.fcgate.gateway.admin.AdminOptions;
import org.fcgate.gateway.admin.Observability;
import picocli.CommandLine.Option;

/**
 * {@code --admin} and {@code --admin-token-file}, shared by {@code serve}, {@code run} and {@code reload} (a picocli
 * mixin). With a configuration file each flag overrides the file's {@code admin.listen} or {@code admin.token_file}.
 */
final class AdminFlags {

    @Option(names = "--admin", paramLabel = "HOST:PORT", description = "Admin listener (/metrics, /status, /ping, "
            + "/health/*): PORT alone is 127.0.0.1:PORT. Overrides admin.listen of the file (default: off).")
    String admin;

    @Option(names = "--admin-token-file", paramLabel = "FILE", description = "Enables the admin control endpoints "
            + "(POST /reload, /pools/NAME/reload, /scale, /kill): they require 'Authorization: Bearer' with the "
            + "token in FILE (at least 16 characters). Overrides admin.token_file of the file (default: none).")
    Path tokenFile;

    /** The flags as an {@link AdminConfig}, the keys not given left empty. */
    AdminConfig config() {
        return new AdminConfig(Optional.ofNullable(admin).map(Observability::parseAddress),
                Optional.ofNullable(tokenFile));
    }

    /** The admin listener asked for by the flags alone ({@code serve}). */
    Optional<AdminOptions> options() throws IOException {
        return options(AdminConfig.off());
    }

    /** The admin listener of {@code file}'s keys overridden by the flags; a token file without an address is an error. */
    Optional<AdminOptions> options(AdminConfig file) throws IOException {
        return file.overriddenBy(config()).options();
    }
}
