package org.fcgate.gateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.openshift.api.model.monitoring.v1.Endpoint;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.fcgate.gateway.config.FastCgiAddress;
import org.fcgate.gateway.config.ListenAddress;
import org.fcgate.gateway.config.PoolListen;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.gateway.config.yaml.ConfigLoader;
import org.fcgate.gateway.config.yaml.InvalidConfigException;
import org.fcgate.gateway.config.yaml.LoadedConfig;
import org.fcgate.gateway.config.yaml.LoadedPools;
import org.fcgate.gateway.deploy.FcgatePod.Command;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.pool.PoolManager;
import org.fcgate.pool.config.PoolConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * deploy/k8s/ read as Kubernetes reads it: every manifest of the base and of the example overlay, rendered (by the
 * kustomize subset here, and by {@code kubectl kustomize} where kubectl is installed), loaded into fabric8 model
 * objects, and checked against the fcgate configurations the pods mount, parsed by the real {@link ConfigLoader}:
 * ports, probes, selectors, the drain deadlines, the security context and the autoscalers' metrics.
 * {@code KubernetesConfigsIT} runs the same configurations for real.
 */
class KubernetesManifestsTest {

    static final Path K8S = Path.of("..", "deploy", "k8s");
    static final Path BASE = K8S.resolve("base");
    static final Path EXAMPLE = K8S.resolve("overlays/example");

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final YAMLMapper YAML = new YAMLMapper();

    @TempDir
    Path stand;

    /** Document roots the gateway's configuration asked the loader to open. */
    private final List<Path> roots = new ArrayList<>();

    /** Rendered once for every check (kubectl takes a moment); the checks only read them. */
    private static List<Manifests> renderings;

    static synchronized Stream<Manifests> renderings() throws Exception {
        if (renderings == null) {
            renderings = render();
        }
        return renderings.stream();
    }

    private static List<Manifests> render() throws Exception {
        List<Manifests> all = new ArrayList<>();
        KustomizeSubset subset = new KustomizeSubset(SERIALIZATION);
        for (Path dir : List.of(BASE, EXAMPLE)) {
            all.add(Manifests.of(K8S.relativize(dir) + " (kustomize subset)", dir, subset.render(dir), SERIALIZATION));
        }
        Optional<Path> kubectl = Kubectl.find();
        if (kubectl.isPresent()) {
            for (Path dir : List.of(BASE, EXAMPLE)) {
                all.add(Manifests.of(K8S.relativize(dir) + " (kubectl kustomize)", dir,
                        Kubectl.kustomize(kubectl.get(), dir), SERIALIZATION));
            }
        }
        return List.copyOf(all);
    }

    // --- the objects themselves -----------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void everyObjectIsATypedKubernetesObjectWithoutUnknownFields(Manifests m) {
        for (HasMetadata o : m.objects()) {
            String id = o.getKind() + "/" + o.getMetadata().getName();
            assertThat(o).as("%s: %s has a fabric8 model type", m, id).isNotInstanceOf(GenericKubernetesResource.class);
            assertThat(UnknownFields.of(o)).as("%s: fields of %s that its type does not have", m, id).isEmpty();
        }
        assertThat(m.objects()).extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
                .as("%s: one object per kind and name", m).doesNotHaveDuplicates();
        assertThat(FcgatePod.all(m)).extracting(FcgatePod::command)
                .containsExactlyInAnyOrder(Command.RUN, Command.POOL);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void eachDeploymentSelectsOnlyItsOwnPods(Manifests m) {
        for (Deployment d : m.all(Deployment.class)) {
            assertThat(m.deploymentsSelectedBy(d.getSpec().getSelector())).as("%s: pods selected by %s", m,
                    d.getMetadata().getName()).containsExactly(d);
        }
    }

    // --- ports, probes and services line up with the configurations ------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void containerPortsAreTheListenPortsOfTheMountedConfigurations(Manifests m) throws Exception {
        FcgatePod gateway = FcgatePod.one(m, Command.RUN);
        ListenAddress listen = gatewayConfig(gateway).gateway().listen();
        assertWildcard(listen.host(), gateway.name() + " listen");
        assertThat(gateway.port("http").getContainerPort()).isEqualTo(listen.port());
        assertThat(ports(gateway)).containsExactlyInAnyOrder(listen.port(), gateway.admin().port());

        FcgatePod pool = FcgatePod.one(m, Command.POOL);
        List<UpstreamConfig.ManagedPool> listening = poolConfig(pool).listening();
        assertThat(listening).as("%s: pools with a listen address", m).isNotEmpty();
        Set<Integer> fastcgi = new HashSet<>();
        for (UpstreamConfig.ManagedPool p : listening) {
            PoolListen l = p.listen().orElseThrow();
            assertThat(l).as("pool %s listens on TCP (the Service cannot reach a Unix socket)", p.name())
                    .isInstanceOf(PoolListen.Tcp.class);
            ListenAddress a = ((PoolListen.Tcp) l).address();
            assertWildcard(a.host(), "pool " + p.name() + " listen");
            fastcgi.add(a.port());
        }
        assertThat(pool.port("fastcgi").getContainerPort()).isIn(fastcgi);
        Set<Integer> expected = new HashSet<>(fastcgi);
        expected.add(pool.admin().port());
        assertThat(ports(pool)).containsExactlyInAnyOrderElementsOf(expected);

        for (FcgatePod p : FcgatePod.all(m)) {
            assertWildcard(p.admin().host(), p.name() + " --admin (probes and Prometheus come in on the pod's address)");
            assertThat(p.port("admin").getContainerPort()).isEqualTo(p.admin().port());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void probesAskTheAdminListenersHealthEndpoints(Manifests m) {
        for (FcgatePod p : FcgatePod.all(m)) {
            Container c = p.container();
            Map<String, Probe> probes = new LinkedHashMap<>();
            probes.put("/health/live", c.getLivenessProbe());
            probes.put("/health/ready", c.getReadinessProbe());
            assertThat(c.getStartupProbe()).as("%s: startupProbe", p.name()).isNotNull();
            assertThat(c.getLivenessProbe()).as("%s: livenessProbe", p.name()).isNotNull();
            assertThat(c.getReadinessProbe()).as("%s: readinessProbe", p.name()).isNotNull();
            for (Probe probe : List.of(c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe())) {
                HTTPGetAction get = probe.getHttpGet();
                assertThat(get).as("%s: probes are HTTP GETs on the admin listener", p.name()).isNotNull();
                assertThat(get.getScheme()).isIn(null, "HTTP");
                ContainerPort port = Manifests.port(c, get.getPort()).orElseThrow(() -> new AssertionError(
                        p.name() + ": probe port " + get.getPort() + " is no container port"));
                assertThat(port.getContainerPort()).as("%s: probe port", p.name()).isEqualTo(p.admin().port());
            }
            assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/health/live");
            assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/live");
            assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void servicesSelectOneDeploymentAndTargetItsPorts(Manifests m) {
        assertThat(m.all(Service.class)).hasSize(2);
        for (Service s : m.all(Service.class)) {
            Deployment d = selectedDeployment(m, s);
            Container c = FcgatePod.all(m).stream().filter(p -> p.deployment() == d).findFirst().orElseThrow()
                    .container();
            for (ServicePort sp : s.getSpec().getPorts()) {
                ContainerPort target = Manifests.port(c, sp.getTargetPort()).orElseThrow(() -> new AssertionError(
                        m + ": Service " + s.getMetadata().getName() + " port " + sp.getName() + " targets "
                                + sp.getTargetPort() + ", which " + d.getMetadata().getName() + " does not have"));
                assertThat(target.getProtocol()).isEqualTo(sp.getProtocol());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void gatewayConfigurationPointsAtThePoolServerService(Manifests m) throws Exception {
        FcgatePod gateway = FcgatePod.one(m, Command.RUN);
        FcgatePod pool = FcgatePod.one(m, Command.POOL);
        Set<Integer> poolPorts = poolConfig(pool).listening().stream()
                .map(p -> ((PoolListen.Tcp) p.listen().orElseThrow()).address().port()).collect(Collectors.toSet());
        List<UpstreamConfig.External> servers = gatewayConfig(gateway).externalServers();
        assertThat(servers).as("%s: the gateway's fastcgi_servers", m).isNotEmpty();
        for (UpstreamConfig.External server : servers) {
            for (FastCgiAddress address : server.addresses()) {
                assertThat(address).as("%s: %s", server.name(), address).isInstanceOf(FastCgiAddress.Tcp.class);
                FastCgiAddress.Tcp tcp = (FastCgiAddress.Tcp) address;
                Service service = serviceNamed(m, tcp.host());
                assertThat(selectedDeployment(m, service)).as("%s: %s selects", m, tcp.host())
                        .isSameAs(pool.deployment());
                ServicePort sp = service.getSpec().getPorts().stream().filter(p -> p.getPort() == tcp.port())
                        .findFirst().orElseThrow(() -> new AssertionError(m + ": Service "
                                + service.getMetadata().getName() + " has no port " + tcp.port()));
                ContainerPort target = Manifests.port(pool.container(), sp.getTargetPort()).orElseThrow(() ->
                        new AssertionError(m + ": Service port " + sp.getName() + " targets no port of " + pool.name()));
                assertThat(target.getContainerPort()).as("%s: %s reaches a pool's listen port", m, address)
                        .isIn(poolPorts);
            }
        }
    }

    // --- disruption, monitoring, network ----------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void eachDeploymentHasOneDisruptionBudgetThatAllowsADrain(Manifests m) {
        Map<Deployment, Integer> covered = new LinkedHashMap<>();
        for (PodDisruptionBudget pdb : m.all(PodDisruptionBudget.class)) {
            List<Deployment> selected = m.deploymentsSelectedBy(pdb.getSpec().getSelector());
            assertThat(selected).as("%s: PDB %s selects", m, pdb.getMetadata().getName()).hasSize(1);
            covered.merge(selected.get(0), 1, Integer::sum);
            IntOrString maxUnavailable = pdb.getSpec().getMaxUnavailable();
            assertThat(maxUnavailable).as("%s: PDB %s uses maxUnavailable (a minimum could block node drains)", m,
                    pdb.getMetadata().getName()).isNotNull();
            assertThat(maxUnavailable.getIntVal()).isPositive();
        }
        assertThat(covered).as("%s: PDBs per Deployment", m).containsOnlyKeys(m.all(Deployment.class))
                .allSatisfy((d, n) -> assertThat(n).isEqualTo(1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void serviceMonitorScrapesEveryAdminListener(Manifests m) {
        List<ServiceMonitor> monitors = m.all(ServiceMonitor.class);
        assertThat(monitors).as("%s: ServiceMonitors", m).hasSize(1);
        ServiceMonitor sm = monitors.get(0);
        assertThat(sm.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(sm.getSpec().getNamespaceSelector()).as("its own namespace").isNull();
        Set<Deployment> scraped = new HashSet<>();
        for (Endpoint e : sm.getSpec().getEndpoints()) {
            assertThat(e.getPath()).isEqualTo("/metrics");
            for (Service s : m.servicesLabelled(sm.getSpec().getSelector())) {
                ServicePort sp = s.getSpec().getPorts().stream().filter(p -> e.getPort().equals(p.getName()))
                        .findFirst().orElseThrow(() -> new AssertionError(m + ": Service "
                                + s.getMetadata().getName() + " has no port named " + e.getPort()));
                Deployment d = selectedDeployment(m, s);
                FcgatePod pod = FcgatePod.all(m).stream().filter(p -> p.deployment() == d).findFirst().orElseThrow();
                assertThat(Manifests.port(pod.container(), sp.getTargetPort()).orElseThrow(() -> new AssertionError(
                        m + ": Service " + s.getMetadata().getName() + " port " + sp.getName() + " targets no port of "
                                + pod.name())).getContainerPort())
                        .as("%s: %s scrapes the admin listener", m, s.getMetadata().getName())
                        .isEqualTo(pod.admin().port());
                scraped.add(d);
            }
        }
        assertThat(scraped).as("%s: Deployments scraped", m).containsExactlyInAnyOrderElementsOf(
                m.all(Deployment.class));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void onlyGatewaysMayReachThePoolServersFastCgiPort(Manifests m) throws Exception {
        FcgatePod gateway = FcgatePod.one(m, Command.RUN);
        FcgatePod pool = FcgatePod.one(m, Command.POOL);
        List<NetworkPolicy> policies = m.all(NetworkPolicy.class);
        assertThat(policies).hasSize(1);
        NetworkPolicy np = policies.get(0);
        assertThat(m.deploymentsSelectedBy(np.getSpec().getPodSelector())).containsExactly(pool.deployment());
        assertThat(np.getSpec().getPolicyTypes()).contains("Ingress");
        Set<Integer> poolPorts = poolConfig(pool).listening().stream()
                .map(p -> ((PoolListen.Tcp) p.listen().orElseThrow()).address().port()).collect(Collectors.toSet());
        Set<Integer> fromGatewaysOnly = new HashSet<>();
        for (NetworkPolicyIngressRule rule : np.getSpec().getIngress()) {
            assertThat(rule.getPorts()).as("%s: every rule names its ports", m).isNotEmpty();
            Set<Integer> ports = new HashSet<>();
            for (NetworkPolicyPort p : rule.getPorts()) {
                ports.add(Manifests.port(pool.container(), p.getPort()).orElseThrow(() -> new AssertionError(
                        m + ": NetworkPolicy port " + p.getPort() + " is no port of " + pool.name()))
                        .getContainerPort());
            }
            boolean onlyGateways = !rule.getFrom().isEmpty() && rule.getFrom().stream().allMatch(peer ->
                    peer.getIpBlock() == null && peer.getNamespaceSelector() == null && peer.getPodSelector() != null
                            && m.deploymentsSelectedBy(peer.getPodSelector()).equals(List.of(gateway.deployment())));
            if (onlyGateways) {
                fromGatewaysOnly.addAll(ports);
            } else {
                assertThat(ports).as("%s: ports open beyond the gateways", m).containsOnly(pool.admin().port());
            }
        }
        assertThat(fromGatewaysOnly).as("%s: FastCGI ports reachable from the gateways", m).containsAll(poolPorts);
    }

    // --- stopping -----------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void gracePeriodsOutlastPreStopAndTheDrain(Manifests m) throws Exception {
        FcgatePod gateway = FcgatePod.one(m, Command.RUN);
        LoadedConfig g = gatewayConfig(gateway);
        Duration gatewayDrain = gateway.preStop().plus(g.shutdown().delay()).plus(g.shutdown().timeout())
                .plus(maxKillGrace(g.pools()));
        assertThat(gateway.preStop()).as("%s: gateway preStop", m).isPositive();
        assertThat(gateway.grace()).as("%s: gateway grace > preStop + shutdown_delay + shutdown_timeout + "
                + "kill_grace", m).isGreaterThan(gatewayDrain);

        FcgatePod pool = FcgatePod.one(m, Command.POOL);
        List<PoolConfig> pools = poolConfig(pool).listening().stream().map(UpstreamConfig.ManagedPool::pool).toList();
        Duration poolDrain = pool.preStop().plus(PoolManager.DEFAULT_SHUTDOWN_DEADLINE).plus(maxKillGrace(pools));
        assertThat(pool.preStop()).as("%s: pool server preStop", m).isPositive();
        assertThat(pool.grace()).as("%s: pool server grace > preStop + the pools' drain deadline + kill_grace", m)
                .isGreaterThan(poolDrain);

        for (PoolConfig p : pools) {
            assertThat(p.requestTimeout()).as("%s: pool %s request_terminate_timeout: set, and within the pool "
                    + "server's drain deadline so a leaving pod cuts no request", m, p.name())
                    .isPositive().isLessThanOrEqualTo(PoolManager.DEFAULT_SHUTDOWN_DEADLINE);
            assertThat(g.shutdown().timeout()).as("%s: gateway shutdown_timeout covers a whole request", m)
                    .isGreaterThanOrEqualTo(p.requestTimeout());
            for (UpstreamConfig.External e : g.externalServers()) {
                assertThat(e.readTimeout()).as("%s: %s read_timeout above the pool's request_terminate_timeout "
                        + "(its 504 comes first)", m, e.name()).isGreaterThan(p.requestTimeout());
            }
        }
    }

    // --- security ---------------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void podsRunAsNonRootWithAReadOnlyRootAndWritableTemp(Manifests m) {
        for (FcgatePod p : FcgatePod.all(m)) {
            PodSecurityContext pod = p.spec().getSecurityContext();
            SecurityContext c = p.container().getSecurityContext();
            assertThat(pod).as("%s: pod securityContext", p.name()).isNotNull();
            assertThat(c).as("%s: container securityContext", p.name()).isNotNull();
            String n = m + ": " + p.name();
            assertThat(Objects.requireNonNullElse(c.getRunAsNonRoot(), pod.getRunAsNonRoot())).as("%s runAsNonRoot", n)
                    .isTrue();
            assertThat(Objects.requireNonNullElse(c.getRunAsUser(), pod.getRunAsUser())).as("%s runAsUser", n)
                    .isNotNull().isPositive();
            assertThat(c.getAllowPrivilegeEscalation()).as("%s allowPrivilegeEscalation", n).isFalse();
            assertThat(c.getPrivileged()).as("%s privileged", n).isIn(null, false);
            assertThat(c.getReadOnlyRootFilesystem()).as("%s readOnlyRootFilesystem", n).isTrue();
            assertThat(c.getCapabilities().getDrop()).as("%s capabilities dropped", n).contains("ALL");
            assertThat(c.getCapabilities().getAdd()).as("%s capabilities added", n).isEmpty();
            String seccomp = c.getSeccompProfile() != null ? c.getSeccompProfile().getType()
                    : pod.getSeccompProfile() == null ? null : pod.getSeccompProfile().getType();
            assertThat(seccomp).as("%s seccompProfile", n).isEqualTo("RuntimeDefault");
            assertThat(p.spec().getHostNetwork()).isIn(null, false);
            assertThat(p.spec().getHostPID()).isIn(null, false);
            assertThat(p.spec().getHostIPC()).isIn(null, false);
            assertThat(p.container().getPorts()).allSatisfy(port -> assertThat(port.getHostPort()).isNull());
            assertThat(p.spec().getAutomountServiceAccountToken()).as("fcgate never calls the API server").isFalse();
            for (Volume v : p.spec().getVolumes()) {
                assertThat(v.getConfigMap() != null || v.getEmptyDir() != null || v.getSecret() != null)
                        .as("%s: volume %s is a configMap, secret or emptyDir", p.name(), v.getName()).isTrue();
            }
            // java.io.tmpdir: the pools' runtime directory (Unix sockets) and the response spool.
            VolumeMount tmp = p.container().getVolumeMounts().stream().filter(vm -> vm.getMountPath().equals("/tmp"))
                    .findFirst().orElseThrow(() -> new AssertionError(p.name() + ": /tmp is not mounted"));
            assertThat(p.volume(tmp.getName()).getEmptyDir()).as("%s: /tmp is an emptyDir", p.name()).isNotNull();
            assertThat(tmp.getReadOnly()).isIn(null, false);
            for (VolumeMount vm : p.container().getVolumeMounts()) {
                if (p.volume(vm.getName()).getEmptyDir() == null) {
                    assertThat(vm.getReadOnly()).as("%s: %s is mounted read-only", p.name(), vm.getMountPath())
                            .isTrue();
                }
            }
        }
    }

    // --- the document root ----------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void gatewayAndPoolServerSeeTheSameFilesAtTheSameRealPaths(Manifests m) throws Exception {
        FcgatePod gateway = FcgatePod.one(m, Command.RUN);
        FcgatePod pool = FcgatePod.one(m, Command.POOL);
        gatewayConfig(gateway);
        assertThat(roots).as("%s: document roots of the gateway's configuration", m).isNotEmpty();
        for (Path root : roots) {
            List<String> gatewayMounts = mountsUnder(gateway, root);
            assertThat(gatewayMounts).as("%s: mounts under %s, gateway vs pool server", m, root)
                    .isEqualTo(mountsUnder(pool, root));
            for (VolumeMount vm : gateway.container().getVolumeMounts()) {
                if (Path.of(vm.getMountPath()).startsWith(root) && gateway.volume(vm.getName()).getConfigMap() != null) {
                    // A ConfigMap directory is a chain of per-pod symlinks; the gateway sends SCRIPT_FILENAME as the
                    // real path, which would not exist in the pool server's pod.
                    assertThat(vm.getSubPath()).as("%s: ConfigMap under the document root is mounted file by file",
                            m).isNotNull();
                }
            }
        }
    }

    // --- autoscaling --------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void autoscalersTargetDeploymentsThatLeaveTheirReplicasToThem(Manifests m) throws Exception {
        Map<String, JsonNode> adapterRules = Manifests.adapterRules(m.dir());
        for (HorizontalPodAutoscaler hpa : m.all(HorizontalPodAutoscaler.class)) {
            String name = hpa.getMetadata().getName();
            assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
            assertThat(hpa.getSpec().getScaleTargetRef().getApiVersion()).isEqualTo("apps/v1");
            Deployment d = m.named(Deployment.class, hpa.getSpec().getScaleTargetRef().getName())
                    .orElseThrow(() -> new AssertionError(m + ": " + name + " targets no Deployment of the set"));
            assertThat(d.getSpec().getReplicas()).as("%s: %s leaves replicas to %s", m, d.getMetadata().getName(),
                    name).isNull();
            assertThat(hpa.getSpec().getMinReplicas()).isPositive().isLessThanOrEqualTo(hpa.getSpec().getMaxReplicas());
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            for (MetricSpec metric : hpa.getSpec().getMetrics()) {
                switch (metric.getType()) {
                    case "Pods" -> {
                        String served = metric.getPods().getMetric().getName();
                        assertThat(adapterRules).as("%s: %s asks prometheus-adapter for %s", m, name, served)
                                .containsKey(served);
                        assertThat(metric.getPods().getTarget().getType()).isEqualTo("AverageValue");
                    }
                    case "Resource" -> {
                        String resource = metric.getResource().getName();
                        Quantity request = c.getResources().getRequests().get(resource);
                        assertThat(request).as("%s: utilization of %s needs a request", m, resource).isNotNull();
                    }
                    default -> throw new AssertionError(m + ": " + name + ": metric type " + metric.getType()
                            + " is not checked here");
                }
            }
        }
        Optional<HorizontalPodAutoscaler> poolHpa = autoscalerOf(m, FcgatePod.one(m, Command.POOL));
        if (poolHpa.isPresent()) {
            FcgatePod gateway = FcgatePod.one(m, Command.RUN);
            int gateways = autoscalerOf(m, gateway).map(h -> h.getSpec().getMinReplicas())
                    .orElse(gateway.deployment().getSpec().getReplicas());
            int connections = gatewayConfig(gateway).externalServers().stream()
                    .mapToInt(UpstreamConfig.External::maxConnsPerServer).min().orElseThrow();
            int children = poolConfig(FcgatePod.one(m, Command.POOL)).listening().stream()
                    .mapToInt(p -> p.pool().maxChildren()).sum();
            assertThat(gateways * connections).as("%s: the fewest gateways (%d) x max_conns_per_server (%d) keep "
                    + "the most pool pods (%d) x max_children (%d) busy", m, gateways, connections,
                    poolHpa.get().getSpec().getMaxReplicas(), children)
                    .isGreaterThanOrEqualTo(poolHpa.get().getSpec().getMaxReplicas() * children);
        }
    }

    @Test
    void exampleOverlayAutoscalesBothDeploymentsFromTheAdaptersRules() throws Exception {
        Manifests m = Manifests.of("example", EXAMPLE, new KustomizeSubset(SERIALIZATION).render(EXAMPLE),
                SERIALIZATION);
        assertThat(autoscalerOf(m, FcgatePod.one(m, Command.POOL))).isPresent();
        assertThat(autoscalerOf(m, FcgatePod.one(m, Command.RUN))).isPresent();
        Map<String, JsonNode> rules = Manifests.adapterRules(EXAMPLE);
        assertThat(rules).containsOnlyKeys("fcgate_pool_busy_ratio", "fcgate_pool_queue_length");
        for (Map.Entry<String, JsonNode> rule : rules.entrySet()) {
            JsonNode overrides = rule.getValue().path("resources").path("overrides");
            assertThat(overrides.path("namespace").path("resource").asText()).as(rule.getKey()).isEqualTo("namespace");
            assertThat(overrides.path("pod").path("resource").asText()).as(rule.getKey()).isEqualTo("pod");
            assertThat(rule.getValue().path("metricsQuery").asText()).contains("<<.LabelMatchers>>",
                    "by (<<.GroupBy>>)");
        }
        Manifests base = Manifests.of("base", BASE, new KustomizeSubset(SERIALIZATION).render(BASE), SERIALIZATION);
        assertThat(base.all(HorizontalPodAutoscaler.class)).as("the base runs without prometheus-adapter").isEmpty();
        assertThat(base.all(Deployment.class)).allSatisfy(d -> assertThat(d.getSpec().getReplicas()).isPositive());
    }

    /** Where kubectl is installed: its kustomize renders what the subset here renders (generated names aside). */
    @Test
    void kubectlKustomizeRendersWhatTheSubsetRenders() throws Exception {
        Optional<Path> kubectl = Kubectl.find();
        assumeThat(kubectl).as("kubectl is not on the PATH: the kustomize subset alone renders deploy/k8s/")
                .isPresent();
        for (Path dir : List.of(BASE, EXAMPLE)) {
            List<JsonNode> ours = new KustomizeSubset(SERIALIZATION).render(dir);
            String theirs = YAML.writeValueAsString(Kubectl.kustomize(kubectl.get(), dir));
            for (JsonNode o : ours) {
                if (o.path("kind").asText().equals("ConfigMap")) {
                    String plain = o.path("metadata").path("name").asText();
                    theirs = theirs.replaceAll("\\b" + plain + "-[a-z0-9]{10}\\b", plain);
                }
            }
            List<JsonNode> kustomized = new ArrayList<>();
            YAML.readTree(theirs).forEach(kustomized::add);
            assertThat(sorted(kustomized)).as(dir.toString()).isEqualTo(sorted(ours));
        }
    }

    // --- helpers ----------------------------------------------------------------------------------------------------

    private LoadedConfig gatewayConfig(FcgatePod gateway) throws InvalidConfigException {
        return ConfigLoader.withRootOpener((dir, symlinks, dotfiles) -> {
            roots.add(dir);
            return DocumentRoot.open(stand, symlinks, dotfiles);
        }).parse(gateway.configText(), gateway.configPath().getParent());
    }

    private static LoadedPools poolConfig(FcgatePod pool) throws InvalidConfigException {
        return ConfigLoader.create().parsePools(pool.configText(), pool.configPath().getParent());
    }

    private static List<Integer> ports(FcgatePod p) {
        return p.container().getPorts().stream().map(ContainerPort::getContainerPort).toList();
    }

    private static void assertWildcard(String host, String what) throws IOException {
        assertThat(InetAddress.getByName(host).isAnyLocalAddress()).as("%s (%s) listens on every interface", what,
                host).isTrue();
    }

    private static Deployment selectedDeployment(Manifests m, Service s) {
        List<Deployment> selected = m.deploymentsSelectedBy(s.getSpec().getSelector());
        assertThat(selected).as("%s: Deployments selected by Service %s", m, s.getMetadata().getName()).hasSize(1);
        return selected.get(0);
    }

    /** A Service by the host name a pod would resolve: {@code NAME}, {@code NAME.NAMESPACE}, {@code NAME.NS.svc…}. */
    private static Service serviceNamed(Manifests m, String host) {
        String[] labels = host.split("\\.");
        Service s = m.named(Service.class, labels[0]).orElseThrow(() -> new AssertionError(m + ": no Service "
                + labels[0] + " for the gateway's address " + host));
        if (labels.length > 1) {
            assertThat(labels[1]).as("%s: namespace in %s", m, host).isEqualTo(s.getMetadata().getNamespace());
        }
        return s;
    }

    private static Duration maxKillGrace(List<PoolConfig> pools) {
        return pools.stream().map(PoolConfig::killGrace).max(Comparator.naturalOrder()).orElse(Duration.ZERO);
    }

    private static List<String> mountsUnder(FcgatePod p, Path root) {
        return p.container().getVolumeMounts().stream().filter(vm -> Path.of(vm.getMountPath()).startsWith(root))
                .map(vm -> {
                    Volume v = p.volume(vm.getName());
                    String source = v.getConfigMap() != null ? "configMap " + v.getConfigMap().getName()
                            : v.getSecret() != null ? "secret " + v.getSecret().getSecretName() : "emptyDir";
                    return vm.getMountPath() + " <- " + source + (vm.getSubPath() == null ? "" : ":" + vm.getSubPath());
                }).sorted().toList();
    }

    private static Optional<HorizontalPodAutoscaler> autoscalerOf(Manifests m, FcgatePod p) {
        return m.all(HorizontalPodAutoscaler.class).stream()
                .filter(h -> h.getSpec().getScaleTargetRef().getName().equals(p.name())).findFirst();
    }

    private static List<JsonNode> sorted(List<JsonNode> objects) {
        return objects.stream().sorted(Comparator.comparing((JsonNode o) -> o.path("kind").asText())
                .thenComparing(o -> o.path("metadata").path("name").asText())).toList();
    }
}
