package org.fcgate.gateway.support;

import java.nio.file.Path;

/**
 * YAML configuration files that several tests run as they are. Integration tests use them too (the gateway's test
 * jar): a pool server behind nginx and behind fcgate's own gateway run the very same pool.
 */
public final class ConfigFiles {

    /** {@code fcgate run}: static files from {@code www} (relative to the file) on a kernel-chosen loopback port. */
    public static final String STATIC_ONLY = """
            listen: 127.0.0.1:0
            root: www
            routes:
              - match: {prefix: /}
                static: {}
            """;

    private ConfigFiles() {
    }

    /**
     * {@code fcgate pool}: one pool {@code app} on the Unix socket {@code socket} with one child of
     * {@code commandYaml} (a YAML flow list), no queue (a request while the child is busy is refused at once),
     * request_terminate_timeout 8 s (a 4 s request stays well inside it on a loaded machine, a 15 s one is timed out)
     * and no kill grace.
     */
    public static String oneChildPoolServer(String commandYaml, Path socket) {
        return """
                pools:
                  app:
                    command: %s
                    pm: static
                    max_children: 1
                    max_queue: 0
                    request_terminate_timeout: 8s
                    kill_grace: 0
                    listen: unix:%s
                """.formatted(commandYaml, socket);
    }
}
