package org.fcgate.gateway.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One rendering of a kustomize directory, as fabric8 model objects, with the look-ups the checks need.
 *
 * @param name how it was rendered, for messages and test names
 * @param dir  the kustomize directory
 */
public record Manifests(String name, Path dir, List<HasMetadata> objects) {

    /** prometheus-adapter's rules, beside the kustomization of an overlay that autoscales on them. */
    public static final String ADAPTER_VALUES = "prometheus-adapter-values.yaml";

    private static final YAMLMapper YAML = new YAMLMapper();

    public static Manifests of(String name, Path dir, List<JsonNode> docs, KubernetesSerialization serialization) {
        List<HasMetadata> objects = new ArrayList<>();
        for (JsonNode doc : docs) {
            objects.add(serialization.unmarshal(doc.toString()));
        }
        return new Manifests(name, dir, List.copyOf(objects));
    }

    @Override
    public String toString() {
        return name;
    }

    public <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    public <T extends HasMetadata> Optional<T> named(Class<T> type, String name) {
        return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    public ConfigMap configMap(String name) {
        return named(ConfigMap.class, name).orElseThrow(() -> new AssertionError(this.name
                + ": no ConfigMap " + name));
    }

    /** The Deployments whose pod template carries every label of {@code selector}. */
    List<Deployment> deploymentsSelectedBy(LabelSelector selector) {
        return deploymentsSelectedBy(labels(selector));
    }

    List<Deployment> deploymentsSelectedBy(Map<String, String> selector) {
        return all(Deployment.class).stream()
                .filter(d -> matches(selector, d.getSpec().getTemplate().getMetadata().getLabels()))
                .toList();
    }

    /** The Services whose own labels match {@code selector} (a ServiceMonitor's selection). */
    List<Service> servicesLabelled(LabelSelector selector) {
        return all(Service.class).stream()
                .filter(s -> matches(labels(selector), s.getMetadata().getLabels())).toList();
    }

    /** matchLabels only: the manifests use no matchExpressions, and this refuses them rather than misread them. */
    static Map<String, String> labels(LabelSelector selector) {
        if (selector.getMatchExpressions() != null && !selector.getMatchExpressions().isEmpty()) {
            throw new IllegalArgumentException("matchExpressions are not checked here: " + selector);
        }
        return selector.getMatchLabels();
    }

    static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        return !selector.isEmpty() && labels != null && labels.entrySet().containsAll(selector.entrySet());
    }

    /** The container port a Service's targetPort or a probe's port names (by name or by number). */
    public static Optional<ContainerPort> port(Container c, IntOrString ref) {
        return c.getPorts().stream().filter(p -> ref.getStrVal() != null ? ref.getStrVal().equals(p.getName())
                : ref.getIntVal().equals(p.getContainerPort())).findFirst();
    }

    /** The custom metrics prometheus-adapter serves with the rules beside the kustomization: name → rule. */
    public static Map<String, JsonNode> adapterRules(Path dir) throws IOException {
        Path file = dir.resolve(ADAPTER_VALUES);
        Map<String, JsonNode> rules = new LinkedHashMap<>();
        if (Files.exists(file)) {
            JsonNode values = YAML.readTree(file.toFile());
            if (values.path("rules").path("default").asBoolean(true)) {
                throw new AssertionError(file + ": rules.default must be false (only fcgate's rules)");
            }
            for (JsonNode rule : values.path("rules").path("custom")) {
                rules.put(rule.path("name").path("as").asText(), rule);
            }
        }
        return rules;
    }
}
