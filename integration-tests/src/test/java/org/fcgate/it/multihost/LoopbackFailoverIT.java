package org.fcgate.it.multihost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.fcgate.it.multihost.FailoverStage.Result;
import org.fcgate.it.multihost.FailoverStage.Server;
import org.fcgate.it.peer.NginxProcess;
import org.fcgate.it.peer.PeerProcess;
import org.fcgate.it.support.NoLeakedProcesses;
import org.fcgate.it.support.StablePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two {@code fcgate pool} servers on 127.0.0.1 behind {@code fcgate run}, as real processes, on any machine (no
 * root): under load, pool server {@code a} is killed (SIGKILL: its connections are reset, its port refuses), then
 * started again on the same port. The same invariants as {@link CrossHostFailoverIT}, for a server that dies rather
 * than one that goes silent. Logs: {@code target/loopback-failover/}.
 */
@ExtendWith(NoLeakedProcesses.class)
class LoopbackFailoverIT {

    private FailoverStage stage;

    @AfterEach
    void tearDown() throws Exception {
        if (stage != null) {
            stage.close();
        }
    }

    @Test
    void aPoolServerKilledUnderLoadIsFailedOverAndRejoinsWhenRestarted() throws Exception {
        // a is restarted on its port: one outside the ephemeral range, which nothing else can take meanwhile.
        Server a = new Server("local", "127.0.0.1", StablePorts.freeLoopbackPort());
        Server b = new Server("local", "127.0.0.1", NginxProcess.freeLoopbackPort());
        stage = new FailoverStage(Path.of("target", "loopback-failover").toAbsolutePath(), (host, c) -> c, "local",
                NginxProcess.freeLoopbackPort(), NginxProcess.freeLoopbackPort());
        PeerProcess poolA = stage.startPool(a);
        PeerProcess poolB = stage.startPool(b);
        stage.startGateway(List.of(a, b));
        PeerProcess client = stage.startClient();

        await("both servers serve").atMost(FailoverStage.PATIENCE).pollInterval(Duration.ofMillis(200)).until(() -> {
            List<Result> r = stage.results();
            return r.size() >= 100 && r.stream().anyMatch(x -> FailoverStage.children(poolA).contains(x.pid()))
                    && r.stream().anyMatch(x -> FailoverStage.children(poolB).contains(x.pid()));
        });

        int atKill = stage.results().size();
        ProcessHandle.of(poolA.pid()).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL: no drain
        stage.awaitTakenOut("a down in the gateway's view, load served by b", a, atKill);

        int atRestart = stage.results().size();
        PeerProcess again = stage.startPool(a);
        stage.awaitRejoined("a rejoins and serves", a, again, atRestart, new HashSet<>());
        stage.finish(client, "loopback failover", Map.of("killed after", atKill, "restarted after", atRestart));
        assertThat(stage.metrics()).containsPattern("fcgate_upstream_server_ejections_total\\{server=\"127\\.0\\.0\\.1:"
                + a.port() + "\",upstream=\"app\"} [1-9]");
    }
}
