package org.fcgate.gateway.config.yaml;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.fcgate.gateway.admin.AdminConfig;
import org.fcgate.gateway.admin.AdminToken;
import org.fcgate.gateway.admin.Observability;
import org.fcgate.gateway.config.ListenAddress;

/**
 * {@code admin: {listen: off|PORT|HOST:PORT, token_file: off|FILE}}: the admin listener (docs/observability.md).
 * {@code listen} alone is monitoring only; {@code token_file} enables the control endpoints and needs {@code listen}.
 * The token file is read here too, so {@code fcgate check} reports a missing, unreadable or too short token; a
 * relative path is resolved against the file's directory. The command line's {@code --admin} and
 * {@code --admin-token-file} override these keys.
 */
final class AdminSection {

    static final List<String> KEYS = List.of("listen", "token_file");

    private AdminSection() {
    }

    static AdminConfig read(Section top, Path baseDir) {
        if (!top.has("admin")) {
            return AdminConfig.off();
        }
        Optional<Section> section = Section.of(top.raw("admin"), top.path("admin"), KEYS, top.problems());
        if (section.isEmpty()) {
            return AdminConfig.off();
        }
        Section s = section.get();
        Optional<ListenAddress> listen = Optional.empty();
        Optional<String> address = text(s, "listen");
        if (address.isPresent()) {
            try {
                listen = Optional.of(Observability.parseAddress(address.get()));
            } catch (IllegalArgumentException e) {
                s.refuse("listen", "must be off, PORT (127.0.0.1:PORT), HOST:PORT or [IPv6]:PORT with a port "
                        + "within 0..65535");
            }
        }
        Optional<Path> tokenFile = text(s, "token_file").map(baseDir::resolve);
        if (tokenFile.isPresent()) {
            if (address.isEmpty()) {
                s.refuse("token_file", "needs admin.listen (the control endpoints live on the admin listener)");
            } else {
                try {
                    AdminToken.readFile(tokenFile.get());
                } catch (IOException e) {
                    s.refuse("token_file", "cannot be read: " + e);
                } catch (IllegalArgumentException e) {
                    s.refuse("token_file", "holds a token shorter than " + AdminToken.MIN_LENGTH + " characters");
                }
            }
        }
        return new AdminConfig(listen, tokenFile);
    }

    /** The key as text; empty when absent or {@code off} (which YAML 1.1 may also read as false). */
    private static Optional<String> text(Section s, String key) {
        if (!s.has(key)) {
            return Optional.empty();
        }
        var node = s.raw(key);
        if (node.isBoolean() && !node.booleanValue() || node.isTextual() && node.textValue().equals("off")) {
            return Optional.empty();
        }
        if (node.isIntegralNumber()) {
            return Optional.of(node.asText());
        }
        return s.string(key);
    }
}
