package org.fcgate.gateway.config.yaml;

import java.io.IOException;
import java.nio.file.Path;
import org.fcgate.gateway.path.DocumentRoot;

/**
 * Opens a route's document root. The loader's default is {@link DocumentRoot#open}, which requires the directory to
 * exist; tests of example files that name {@code /var/www} substitute one.
 */
@FunctionalInterface
public interface RootOpener {

    DocumentRoot open(Path dir, boolean allowSymlinksOutside, boolean denyDotfiles) throws IOException;
}
