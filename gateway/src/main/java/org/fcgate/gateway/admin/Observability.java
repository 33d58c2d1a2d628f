package org.fcgate.gateway.admin;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.netty.channel.ChannelPipeline;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;
import org.fcgate.gateway.accesslog.ExchangeListener;
import org.fcgate.gateway.accesslog.ExchangeRecorder;
import org.fcgate.gateway.accesslog.SlowRequestLog;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.http.Connections;
import org.fcgate.gateway.metrics.GatewayMetrics;
import org.fcgate.pool.Pool;

/**
 * What {@code serve} wires up when an admin address is given: the metrics registry, the pools' meters, the
 * admin listener and the health phase. Without an admin address nothing is measured ({@link #disabled()}).
 *
 * <p>Lifecycle: {@link #start} (phase STARTING) → the public listener starts with {@link #pipelineHook()} →
 * {@link #running()} → {@link #draining()} on shutdown → {@link #close()}.
 */
public final class Observability implements AutoCloseable {

    /** The admin listener's address when only a port is given: loopback, never the public interfaces. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    private final GatewayMetrics metrics;
    private final Health health;
    private final AdminServer server;
    private final ControlEndpoints control;

    private Observability(GatewayMetrics metrics, Health health, AdminServer server, ControlEndpoints control) {
        this.metrics = metrics;
        this.health = health;
        this.server = server;
        this.control = control;
    }

    public static Observability disabled() {
        return new Observability(null, new Health(), null, null);
    }

    /** Monitoring only: no control endpoints. */
    public static Observability start(ListenAddress admin, Collection<Pool> pools)
            throws IOException, InterruptedException {
        return start(AdminOptions.readOnly(admin), pools);
    }

    /** With the control endpoints when {@code admin} has a token. */
    public static Observability start(AdminOptions admin, Collection<Pool> pools)
            throws IOException, InterruptedException {
        return start(admin, pools, new Connections());
    }

    /**
     * As above; {@code publicConnections} are those of the public listener, whose oldest idle ones the admin listener
     * closes when it runs out of file descriptors ({@link org.fcgate.gateway.http.AcceptGuard}).
     */
    public static Observability start(AdminOptions admin, Collection<Pool> pools, Connections publicConnections)
            throws IOException, InterruptedException {
        GatewayMetrics metrics = new GatewayMetrics();
        pools.forEach(metrics::addPool);
        Health health = new Health();
        ControlEndpoints control = new ControlEndpoints(admin.token(), metrics::pool);
        try {
            return new Observability(metrics, health, AdminServer.start(admin.listen(), metrics, health, control,
                    publicConnections),
                    control);
        } catch (IOException | InterruptedException | RuntimeException e) {
            metrics.close();
            throw e;
        }
    }

    /** {@code PORT} alone means {@code 127.0.0.1:PORT}; otherwise as {@code --listen}. */
    public static ListenAddress parseAddress(String value) {
        return value.chars().allMatch(Character::isDigit) ? ListenAddress.parse(DEFAULT_HOST + ":" + value)
                : ListenAddress.parse(value);
    }

    public Consumer<ChannelPipeline> pipelineHook() {
        return metrics == null ? p -> { } : metrics.http().pipelineHook();
    }

    /**
     * As {@link #pipelineHook()}, with the access log's listeners and slow-request log ({@code slowLog} may be null)
     * on the same per-connection {@link ExchangeRecorder}, which is there even when metrics are off. The slow log
     * whose timers the public listener arms is also the one the status page's "slow requests" and
     * {@code fcgate_pool_slow_requests_total} count from.
     */
    public Consumer<ChannelPipeline> pipelineHook(List<ExchangeListener> others, SlowRequestLog slowLog) {
        if (metrics == null) {
            return ExchangeRecorder.hook(others, slowLog);
        }
        metrics.countSlowRequests(slowLog);
        return metrics.http().pipelineHook(others, slowLog);
    }

    /** Registers meters kept elsewhere (the access log's drop counter); nothing when metrics are off. */
    public void bind(MeterBinder binder) {
        if (metrics != null) {
            metrics.bind(binder);
        }
    }

    public int port() {
        if (server == null) {
            throw new IllegalStateException("admin listener disabled");
        }
        return server.port();
    }

    /**
     * After a configuration reload: the pools now in force (one per name, the current generation). Metrics follow
     * them (a new generation under the same meters, removed pools' series end); {@code /status} and the control
     * endpoints find them by name.
     */
    public void pools(Collection<Pool> current) {
        if (metrics != null) {
            metrics.pools(current);
        }
    }

    /**
     * The servers of each {@code fastcgi_servers} group now in force, by name: their {@code fcgate_upstream_server_*}
     * series. A server that stays keeps its series, counters going on, even when a reload gave its group new
     * connections; a server gone loses them ({@code GatewayMetrics#upstreamServers}).
     */
    public void upstreamServers(java.util.Map<String, java.util.List<org.fcgate.gateway.fastcgi.ExternalServer>> groups) {
        if (metrics != null) {
            metrics.upstreamServers(groups);
        }
    }

    /** What {@code POST /reload} runs (without it: 409, nothing to reload). */
    public void reloadWith(ReloadTrigger trigger) {
        if (control != null) {
            control.reloadWith(trigger);
        }
    }

    public void running() {
        health.phase(Health.Phase.RUNNING);
    }

    public void draining() {
        health.phase(Health.Phase.DRAINING);
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
            metrics.close();
        }
    }
}
