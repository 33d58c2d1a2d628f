package org.fcgate.gateway.poolserver;

import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.pool.config.PoolConfig;

/**
 * FCGI_GET_VALUES (FastCGI 1.0 §4.1) answered by the pool server itself, never by a child: the web server asks about
 * the pool, not about one process.
 *
 * <ul>
 *   <li>{@code FCGI_MAX_REQS}: {@code max_children + max_queue}, the requests the pool takes at once without refusing
 *       one (beyond them a request is answered OVERLOADED at once);</li>
 *   <li>{@code FCGI_MAX_CONNS}: the same number: each connection carries one request at a time, so more connections
 *       than that could only wait or be refused (idle kept connections are not limited);</li>
 *   <li>{@code FCGI_MPXS_CONNS}: {@code 0}, one request at a time per connection (a second one is answered
 *       CANT_MPX_CONN).</li>
 * </ul>
 * Only the names asked for that are known are answered, as §4.1 says.
 */
final class ManagementAnswers {

    private ManagementAnswers() {
    }

    static Params getValues(Params query, PoolConfig pool) {
        String capacity = Integer.toString(pool.maxChildren() + pool.queueMax());
        Params.Builder result = Params.builder();
        for (Params.Pair p : query.pairs()) {
            switch (p.nameString()) {
                case Fcgi.MAX_CONNS, Fcgi.MAX_REQS -> result.add(p.nameString(), capacity);
                case Fcgi.MPXS_CONNS -> result.add(p.nameString(), "0");
                default -> {
                    // §4.1: variables the application does not know are left out of the answer.
                }
            }
        }
        return result.build();
    }
}
