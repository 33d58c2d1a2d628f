package org.fcgate.gateway.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/** Clients of {@code write_ahead}: a request sent so that it is written ahead on a busy connection. */
public final class WriteAheadClients {

    /** New client connections tried at most; the gateway hands each to the next event loop. */
    private static final int ATTEMPTS = 8;

    private WriteAheadClients() {
    }

    /**
     * Sends {@code target} while every connection it could have is busy, so that it is written ahead. A request goes
     * ahead only from the event loop of a busy connection: one that waits instead (its client connection landed on
     * another loop) is given up and sent again on a new client connection, which the gateway hands to the next loop.
     *
     * @param grantedAhead requests written ahead so far, where the request goes
     * @param waiting      requests waiting for a connection there now
     * @return the client connection whose request was written ahead, its response unread
     */
    public static RawClient sendAhead(ForwardingGateway gateway, String target, LongSupplier grantedAhead,
                                      IntSupplier waiting) throws IOException {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            long before = grantedAhead.getAsLong();
            RawClient c = gateway.send(target);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> grantedAhead.getAsLong() > before || waiting.getAsInt() > 0);
            if (grantedAhead.getAsLong() > before) {
                return c;
            }
            c.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> waiting.getAsInt() == 0);
        }
        throw new AssertionError("never written ahead: " + target);
    }
}
