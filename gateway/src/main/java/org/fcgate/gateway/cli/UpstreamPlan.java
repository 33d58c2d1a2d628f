package org.fcgate.gateway.cli;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.UpstreamConfig;

/**
 * What a configuration reload does to each upstream name, from the configuration running and the new one; a pure
 * function of the two (unit-tested), which {@link LiveUpstreams} carries out.
 *
 * <ul>
 *   <li>{@link Action#KEEP}: same settings; the pool's children (or the server connections) stay as they are.</li>
 *   <li>{@link Action#NEW_BACKEND}: a managed pool whose children settings are unchanged but whose forwarding
 *       settings changed ({@code connect_timeout}, {@code read_timeout}, the server's first {@code server_name}):
 *       the children stay, new requests forward with the new settings. For {@code fastcgi_servers}, any change: new
 *       connections; the old ones close when the old configuration's requests are done. The addresses that stay keep
 *       their counters (their metrics go on).</li>
 *   <li>{@link Action#NEW_GENERATION}: a managed pool whose {@code PoolConfig} changed: a new generation of children
 *       starts beside the old one, which finishes its requests and is then stopped.</li>
 *   <li>{@link Action#ADD}, {@link Action#REMOVE}: a name only in the new, or only in the running configuration
 *       (a name that changes kind, pool ↔ fastcgi_server, is removed and added). A removed pool drains.</li>
 * </ul>
 */
record UpstreamPlan(List<Change> changes) {

    enum Action { KEEP, NEW_BACKEND, NEW_GENERATION, ADD, REMOVE }

    /** {@code detail}: what changed, for the log ({@code max_children 3 -> 4}); empty for KEEP, ADD and REMOVE. */
    record Change(String name, Action action, String detail) {
        @Override
        public String toString() {
            String what = switch (action) {
                case KEEP -> "kept";
                case NEW_BACKEND -> "new forwarding settings, children kept";
                case NEW_GENERATION -> "new generation of children";
                case ADD -> "added";
                case REMOVE -> "removed (drains)";
            };
            return name + ": " + what + (detail.isEmpty() ? "" : " (" + detail + ")");
        }
    }

    UpstreamPlan {
        changes = List.copyOf(changes);
    }

    static UpstreamPlan of(GatewayConfig running, GatewayConfig next) {
        return of(running.upstreams(), serverName(running), next.upstreams(), serverName(next));
    }

    /**
     * As above, for upstreams outside a {@link GatewayConfig} ({@code fcgate pool}'s pools, which have no
     * {@code server_name}: empty on both sides). {@code listen} is not compared here: the pool server rebinds a changed
     * address itself, keeping the children.
     */
    static UpstreamPlan of(List<? extends UpstreamConfig> running, Optional<String> runningServerName,
                           List<? extends UpstreamConfig> next, Optional<String> nextServerName) {
        Map<String, UpstreamConfig> before = byName(running);
        Map<String, UpstreamConfig> after = byName(next);
        List<Change> changes = new ArrayList<>();
        for (UpstreamConfig old : before.values()) {
            UpstreamConfig now = after.get(old.name());
            if (now == null || now.getClass() != old.getClass()) {
                changes.add(new Change(old.name(), Action.REMOVE, ""));
            }
        }
        for (UpstreamConfig now : after.values()) {
            UpstreamConfig old = before.get(now.name());
            if (old == null || now.getClass() != old.getClass()) {
                changes.add(new Change(now.name(), Action.ADD, ""));
            } else if (now instanceof UpstreamConfig.ManagedPool p) {
                UpstreamConfig.ManagedPool o = (UpstreamConfig.ManagedPool) old;
                Forwarding was = forwarding(o, runningServerName);
                Forwarding is = forwarding(p, nextServerName);
                if (!p.pool().equals(o.pool())) {
                    changes.add(new Change(now.name(), Action.NEW_GENERATION, differences(o.pool(), p.pool())));
                } else if (!was.equals(is)) {
                    changes.add(new Change(now.name(), Action.NEW_BACKEND, differences(was, is)));
                } else {
                    changes.add(new Change(now.name(), Action.KEEP, ""));
                }
            } else {
                UpstreamConfig.External e = (UpstreamConfig.External) now;
                UpstreamConfig.External o = (UpstreamConfig.External) old;
                if (!e.equals(o) || !runningServerName.equals(nextServerName)) {
                    changes.add(new Change(now.name(), Action.NEW_BACKEND, e.equals(o) ? "server_name"
                            : differences(o, e)));
                } else {
                    changes.add(new Change(now.name(), Action.KEEP, ""));
                }
            }
        }
        return new UpstreamPlan(changes);
    }

    /** The plan of a gateway's start: every upstream is added. */
    static UpstreamPlan initial(GatewayConfig config) {
        return new UpstreamPlan(config.upstreams().stream().map(u -> new Change(u.name(), Action.ADD, "")).toList());
    }

    /** The action for {@code name} in the new configuration (never REMOVE); empty when it is not there. */
    Optional<Action> actionFor(String name) {
        return changes.stream().filter(c -> c.name().equals(name) && c.action() != Action.REMOVE)
                .map(Change::action).findFirst();
    }

    /** Whether nothing but KEEP. */
    boolean keepsEverything() {
        return changes.stream().allMatch(c -> c.action() == Action.KEEP);
    }

    /** The changes other than KEEP, for the log and the reload's answer. */
    List<String> describe() {
        return changes.stream().filter(c -> c.action() != Action.KEEP).map(c -> "upstream " + c).toList();
    }

    /** What a managed pool's backend is built from besides the pool: {@link UpstreamFactory#backendOptions}. */
    private record Forwarding(java.time.Duration connectTimeout, java.time.Duration readTimeout,
                              Optional<String> serverName) {
    }

    private static Forwarding forwarding(UpstreamConfig.ManagedPool p, Optional<String> serverName) {
        return new Forwarding(p.connectTimeout(), p.readTimeout(), serverName);
    }

    private static Optional<String> serverName(GatewayConfig config) {
        return config.serverNames().stream().findFirst();
    }

    private static Map<String, UpstreamConfig> byName(List<? extends UpstreamConfig> upstreams) {
        Map<String, UpstreamConfig> m = new LinkedHashMap<>();
        upstreams.forEach(u -> m.put(u.name(), u));
        return m;
    }

    /** The record components that differ, as {@code key old -> new} in the file's spelling (snake_case). */
    static String differences(Record before, Record after) {
        List<String> out = new ArrayList<>();
        for (RecordComponent c : before.getClass().getRecordComponents()) {
            Object a = value(c, before);
            Object b = value(c, after);
            if (!Objects.equals(a, b)) {
                // env may hold secrets: its values stay out of the log
                out.add(c.getName().equals("env") ? "env" : snake(c.getName()) + " " + a + " -> " + b);
            }
        }
        return String.join(", ", out);
    }

    private static Object value(RecordComponent c, Record r) {
        try {
            return c.getAccessor().invoke(r);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("record accessor " + c, e);
        }
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
