package org.fcgate.gateway.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.fcgate.gateway.admin.Observability;
import org.fcgate.gateway.config.ListenAddress;

/**
 * A Deployment that runs fcgate, read the way the container will run: which command ({@code run} or {@code pool}),
 * the configuration file its {@code --config} names (found through the volume mounted there), its {@code --admin}
 * address, its preStop wait and grace period.
 */
public record FcgatePod(Manifests manifests, Deployment deployment, Container container) {

    /** The fcgate command the container's args start. */
    public enum Command { RUN, POOL }

    /** Every Deployment of {@code m}: each runs one fcgate container, named fcgate. */
    public static List<FcgatePod> all(Manifests m) {
        return m.all(Deployment.class).stream().map(d -> {
            List<Container> fcgate = d.getSpec().getTemplate().getSpec().getContainers().stream()
                    .filter(c -> c.getName().equals("fcgate")).toList();
            if (fcgate.size() != 1) {
                throw new AssertionError(m.name() + ": Deployment " + d.getMetadata().getName()
                        + " must have one container named fcgate");
            }
            return new FcgatePod(m, d, fcgate.get(0));
        }).toList();
    }

    public static FcgatePod one(Manifests m, Command command) {
        List<FcgatePod> pods = all(m).stream().filter(p -> p.command() == command).toList();
        if (pods.size() != 1) {
            throw new AssertionError(m.name() + ": expected one Deployment running fcgate " + command + ", got "
                    + pods.size());
        }
        return pods.get(0);
    }

    public String name() {
        return deployment.getMetadata().getName();
    }

    public PodSpec spec() {
        return deployment.getSpec().getTemplate().getSpec();
    }

    public List<String> args() {
        return container.getArgs();
    }

    public Command command() {
        return switch (args().get(0)) {
            case "run" -> Command.RUN;
            case "pool" -> Command.POOL;
            default -> throw new AssertionError(name() + ": args start with '" + args().get(0) + "', not run or pool");
        };
    }

    public Optional<String> flag(String name) {
        int i = args().indexOf(name);
        return i < 0 || i + 1 >= args().size() ? Optional.empty() : Optional.of(args().get(i + 1));
    }

    public Path configPath() {
        return Path.of(flag("--config").orElseThrow(() -> new AssertionError(name() + ": no --config")));
    }

    /** The admin listener as the fcgate CLI parses {@code --admin} (a bare port is loopback). */
    public ListenAddress admin() {
        return Observability.parseAddress(flag("--admin").orElseThrow(() -> new AssertionError(name()
                + ": no --admin: the probes and Prometheus need the admin listener")));
    }

    /** The text of the file {@code --config} names, from the ConfigMap volume mounted at its directory. */
    public String configText() {
        Path file = configPath();
        VolumeMount mount = container.getVolumeMounts().stream()
                .filter(vm -> Path.of(vm.getMountPath()).equals(file.getParent()) && vm.getSubPath() == null)
                .findFirst().orElseThrow(() -> new AssertionError(name() + ": nothing mounted at "
                        + file.getParent() + " for --config " + file));
        Volume volume = volume(mount.getName());
        if (volume.getConfigMap() == null) {
            throw new AssertionError(name() + ": volume " + volume.getName() + " at " + mount.getMountPath()
                    + " is not a ConfigMap");
        }
        ConfigMap cm = manifests.configMap(volume.getConfigMap().getName());
        String fileName = file.getFileName().toString();
        String key = volume.getConfigMap().getItems().isEmpty() ? fileName
                : volume.getConfigMap().getItems().stream().filter(i -> i.getPath().equals(fileName))
                        .map(KeyToPath::getKey).findFirst().orElseThrow();
        String text = cm.getData().get(key);
        if (text == null) {
            throw new AssertionError(name() + ": ConfigMap " + cm.getMetadata().getName() + " has no key " + key
                    + " for --config " + file);
        }
        return text;
    }

    public Volume volume(String name) {
        return spec().getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name() + ": no volume " + name));
    }

    public ContainerPort port(String name) {
        return container.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
                .orElseThrow(() -> new AssertionError(name() + ": no container port named " + name));
    }

    /** How long the preStop hook waits: a sleep action, or {@code exec: [sleep, N]}. */
    public Duration preStop() {
        if (container.getLifecycle() == null || container.getLifecycle().getPreStop() == null) {
            throw new AssertionError(name() + ": no preStop hook");
        }
        LifecycleHandler h = container.getLifecycle().getPreStop();
        if (h.getSleep() != null) {
            return Duration.ofSeconds(h.getSleep().getSeconds());
        }
        if (h.getExec() != null && h.getExec().getCommand().size() == 2
                && h.getExec().getCommand().get(0).endsWith("sleep")) {
            return Duration.ofSeconds(Long.parseLong(h.getExec().getCommand().get(1)));
        }
        throw new AssertionError(name() + ": preStop is neither a sleep action nor exec sleep N: " + h);
    }

    public Duration grace() {
        Long seconds = spec().getTerminationGracePeriodSeconds();
        return Duration.ofSeconds(seconds == null ? 30 : seconds); // Kubernetes' default
    }
}
