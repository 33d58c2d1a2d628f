package org.fcgate.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A bounded load of keep-alive clients: {@code clients} connections in parallel, each sending {@code perClient}
 * requests one after the other, the answer to each checked before the next is sent.
 */
public final class KeepAliveLoad {

    /** One request of one client and its check: {@code id} is {@code CLIENT-I}, unique in the load. */
    @FunctionalInterface
    public interface Exchange {
        void run(RawClient connection, String id, int i) throws Exception;
    }

    private KeepAliveLoad() {
    }

    /** Runs the load on {@code gateway}; every client ran all its exchanges, or the first failure is thrown. */
    public static void run(ForwardingGateway gateway, int clients, int perClient, Exchange exchange) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<Integer>> done = new ArrayList<>();
        try {
            for (int c = 0; c < clients; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    try (RawClient conn = gateway.connect()) {
                        for (int i = 0; i < perClient; i++) {
                            exchange.run(conn, client + "-" + i, i);
                        }
                    }
                    return perClient;
                }));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get();
            }
            assertThat(total).isEqualTo(clients * perClient);
        } finally {
            pool.shutdownNow();
        }
    }
}
