package org.fcgate.it.multihost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.fcgate.it.multihost.FailoverStage.Result;
import org.fcgate.it.multihost.FailoverStage.Server;
import org.fcgate.it.peer.PeerProcess;
import org.fcgate.it.support.NoLeakedProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Multi-host behaviour across real (virtual) hosts: a gateway ({@code fcgate run}) in one network namespace, two
 * {@code fcgate pool} servers in two others, all on one bridged segment addressed from 198.18.0.0/15
 * ({@link NetworkLab}). Under bounded load from a client in the gateway's namespace, pool host {@code a} loses its
 * cable (its bridge port goes down: frames are lost, nothing is refused or reset) and gets it back:
 * <ul>
 *   <li>no request hangs: each ends within the bound the configured timeouts give, none is cut off;</li>
 *   <li>no request is answered twice or with another's answer: each id (echoed by the sample app in QUERY_STRING)
 *       comes back exactly once, on its own request;</li>
 *   <li>idempotent requests all succeed (GETs in flight on the lost host go to the other after the read timeout,
 *       new ones after a connect timeout or once the host is out); POSTs succeed or fail, never run twice;</li>
 *   <li>the lost host is taken out (its up gauge 0) and rejoins through the active health checks once its cable is
 *       back, and serves again.</li>
 * </ul>
 * Skipped with one line when not root or {@code ip netns} is not usable; CI runs as root. Teardown stops every process
 * by its pid, then deletes the namespaces, also when the test fails. Logs: {@code target/cross-host-failover/}.
 */
@ExtendWith(NoLeakedProcesses.class)
class CrossHostFailoverIT {

    private static final Server A = new Server("a", "198.18.0.2", 9000);
    private static final Server B = new Server("b", "198.18.0.3", 9000);

    private NetworkLab lab;
    private FailoverStage stage;

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (stage != null) {
                stage.close();
            }
        } finally {
            if (lab != null) {
                lab.close();
            }
        }
    }

    @Test
    void aPoolHostCutOffUnderLoadIsFailedOverAndRejoins() throws Exception {
        NetworkLab.unavailable().ifPresent(why -> Assumptions.abort("cross-host test skipped: " + why));
        lab = NetworkLab.create(new LinkedHashMap<>(Map.of("gw", "198.18.0.1", A.host(), A.address(), B.host(),
                B.address())));
        stage = new FailoverStage(Path.of("target", "cross-host-failover").toAbsolutePath(), lab::exec, "gw", 8080,
                9091);
        PeerProcess poolA = stage.startPool(A);
        PeerProcess poolB = stage.startPool(B);
        stage.startGateway(List.of(A, B));
        PeerProcess client = stage.startClient();
        Set<String> childrenOfA = new HashSet<>();

        // 1. Both hosts serve.
        await("both hosts serve").atMost(FailoverStage.PATIENCE).pollInterval(Duration.ofMillis(200)).until(() -> {
            childrenOfA.addAll(FailoverStage.children(poolA));
            List<Result> r = stage.results();
            return r.size() >= 100 && r.stream().anyMatch(x -> childrenOfA.contains(x.pid()))
                    && r.stream().anyMatch(x -> FailoverStage.children(poolB).contains(x.pid()));
        });

        // 2. Host a loses its cable: it is taken out, and the load goes on through b.
        int atCut = stage.results().size();
        lab.cut(A.host());
        stage.awaitTakenOut("host a down in the gateway's view, load served by b", A, atCut);

        // 3. The cable is back: a rejoins through the health checks and serves again.
        int atRestore = stage.results().size();
        lab.restore(A.host());
        stage.awaitRejoined("host a rejoins and serves", A, poolA, atRestore, childrenOfA);
        stage.finish(client, "cross-host failover", Map.of("cut after", atCut, "restored after", atRestore));
        String metrics = stage.metrics();
        assertThat(metrics).contains("fcgate_upstream_server_up{server=\"" + A.hostPort() + "\",upstream=\"app\"} 1.0",
                "fcgate_upstream_server_up{server=\"" + B.hostPort() + "\",upstream=\"app\"} 1.0");
        assertThat(metrics).containsPattern("fcgate_upstream_server_health_check_failures_total\\{server=\""
                + A.hostPort().replace(".", "\\.") + "\",upstream=\"app\"} [1-9]");
        assertThat(stage.gateway().isAlive()).isTrue();
    }
}
