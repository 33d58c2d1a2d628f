package org.fcgate.gateway.admin;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.fcgate.gateway.config.ListenAddress;

/**
 * The admin listener as a configuration file or the command line asks for it: where it listens (empty: off, the
 * default) and the file holding the token of the control endpoints (empty: no control endpoints). The token is read
 * when the gateway starts ({@link #options()}); the command line's {@code --admin} and {@code --admin-token-file}
 * override the file's keys one by one ({@link #overriddenBy}).
 */
public record AdminConfig(Optional<ListenAddress> listen, Optional<Path> tokenFile) {

    public AdminConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(tokenFile, "tokenFile");
    }

    /** No admin listener. */
    public static AdminConfig off() {
        return new AdminConfig(Optional.empty(), Optional.empty());
    }

    /** Each key of {@code flags} that is set replaces this one's. */
    public AdminConfig overriddenBy(AdminConfig flags) {
        return new AdminConfig(flags.listen.or(() -> listen), flags.tokenFile.or(() -> tokenFile));
    }

    /**
     * The listener to start, if any, with its token read from {@link #tokenFile()}.
     *
     * @throws IllegalArgumentException a token file without a listen address, or a token shorter than
     *                                  {@link AdminToken#MIN_LENGTH}
     * @throws IOException              the token file cannot be read
     */
    public Optional<AdminOptions> options() throws IOException {
        if (listen.isEmpty()) {
            if (tokenFile.isPresent()) {
                throw new IllegalArgumentException("an admin token file needs an admin listen address (admin.listen "
                        + "or --admin)");
            }
            return Optional.empty();
        }
        Optional<AdminToken> token = tokenFile.isPresent() ? Optional.of(AdminToken.readFile(tokenFile.get()))
                : Optional.empty();
        return Optional.of(new AdminOptions(listen.get(), token));
    }
}
