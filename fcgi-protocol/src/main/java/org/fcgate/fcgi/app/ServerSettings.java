package org.fcgate.fcgi.app;

import java.util.Set;
import org.fcgate.fcgi.protocol.FcgiLimits;
import org.fcgate.fcgi.protocol.Role;

/**
 * What every connection of an {@link FcgiServer} shares, validated by its builder.
 *
 * @param handler          the application
 * @param limits           decoder bounds (PARAMS size and count)
 * @param roles            roles answered; others get END_REQUEST UNKNOWN_ROLE (§5.5)
 * @param outputBufferSize bytes of STDOUT (and STDERR) buffered before records are sent
 * @param bodyBufferSize   bytes of request body read ahead of the handler before reading the socket pauses
 */
record ServerSettings(FcgiHandler handler, FcgiLimits limits, Set<Role> roles, int outputBufferSize,
                      int bodyBufferSize) {

    ServerSettings {
        roles = Set.copyOf(roles);
    }
}
