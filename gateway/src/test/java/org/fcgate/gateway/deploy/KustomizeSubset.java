package org.fcgate.gateway.deploy;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.kustomize.v1beta1.ConfigMapArgs;
import io.fabric8.kubernetes.api.model.kustomize.v1beta1.Kustomization;
import io.fabric8.kubernetes.api.model.kustomize.v1beta1.Patch;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The part of kustomize that deploy/k8s/ uses, so the manifests are checked without a kustomize binary:
 * {@code resources} (files and directories with their own kustomization.yaml), {@code configMapGenerator} (files),
 * {@code patches} (JSON 6902 operations from a file, aimed by kind and name) and {@code namespace}. Generated
 * ConfigMaps keep their plain names (kustomize adds a hash suffix and rewrites the references; the checks follow the
 * references, so both renderings pass the same checks). Any other field of a kustomization.yaml is an error here
 * rather than silently ignored; {@code KubernetesManifestsTest} compares this rendering with {@code kubectl
 * kustomize} where kubectl is installed.
 */
public final class KustomizeSubset {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "namespace", "resources",
            "configMapGenerator", "patches");

    private final KubernetesSerialization serialization;

    public KustomizeSubset(KubernetesSerialization serialization) {
        this.serialization = serialization;
    }

    /** The objects {@code kubectl kustomize dir} would print, as YAML trees. */
    public List<JsonNode> render(Path dir) throws IOException {
        Path file = dir.resolve("kustomization.yaml");
        JsonNode tree = YAML.readTree(file.toFile());
        Iterator<String> fields = tree.fieldNames();
        while (fields.hasNext()) {
            String f = fields.next();
            if (!SUPPORTED.contains(f)) {
                throw new IllegalArgumentException(file + ": '" + f + "' is not in the kustomize subset this test "
                        + "renders (" + SUPPORTED + "); extend KustomizeSubset or leave it out");
            }
        }
        Kustomization k = serialization.convertValue(tree, Kustomization.class);
        List<JsonNode> objects = new ArrayList<>();
        for (String resource : k.getResources()) {
            Path p = dir.resolve(resource).normalize();
            if (Files.isDirectory(p)) {
                objects.addAll(render(p));
            } else {
                objects.addAll(documents(p));
            }
        }
        for (ConfigMapArgs generator : k.getConfigMapGenerator()) {
            objects.add(configMap(dir, generator));
        }
        for (Patch patch : k.getPatches()) {
            apply(dir, patch, objects);
        }
        if (k.getNamespace() != null) {
            for (JsonNode o : objects) {
                if (!o.path("kind").asText().equals("Namespace")) {
                    ((ObjectNode) o.get("metadata")).put("namespace", k.getNamespace());
                }
            }
        }
        return objects;
    }

    /** Every non-empty YAML document of a file. */
    static List<JsonNode> documents(Path file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    private static JsonNode configMap(Path dir, ConfigMapArgs generator) throws IOException {
        if (generator.getBehavior() != null || !generator.getLiterals().isEmpty() || !generator.getEnvs().isEmpty()) {
            throw new IllegalArgumentException("configMapGenerator " + generator.getName()
                    + ": only 'files' is in the subset this test renders");
        }
        ObjectNode cm = JsonNodeFactory.instance.objectNode();
        cm.put("apiVersion", "v1").put("kind", "ConfigMap");
        cm.putObject("metadata").put("name", generator.getName());
        ObjectNode data = cm.putObject("data");
        for (String entry : generator.getFiles()) {
            int eq = entry.indexOf('=');
            String key = eq < 0 ? Path.of(entry).getFileName().toString() : entry.substring(0, eq);
            data.put(key, Files.readString(dir.resolve(eq < 0 ? entry : entry.substring(eq + 1))));
        }
        return cm;
    }

    private static void apply(Path dir, Patch patch, List<JsonNode> objects) throws IOException {
        if (patch.getPath() == null || patch.getTarget() == null || patch.getTarget().getKind() == null
                || patch.getTarget().getName() == null) {
            throw new IllegalArgumentException("patches: only 'path' with a target kind and name is in the subset");
        }
        JsonNode ops = YAML.readTree(dir.resolve(patch.getPath()).toFile());
        int applied = 0;
        for (JsonNode o : objects) {
            if (o.path("kind").asText().equals(patch.getTarget().getKind())
                    && o.path("metadata").path("name").asText().equals(patch.getTarget().getName())) {
                for (JsonNode op : ops) {
                    applyOperation(o, op);
                }
                applied++;
            }
        }
        if (applied == 0) {
            throw new IllegalArgumentException("patch " + patch.getPath() + " matches no object: "
                    + patch.getTarget().getKind() + "/" + patch.getTarget().getName());
        }
    }

    /** RFC 6902 add, remove and replace, with RFC 6901 pointers (array index or "-" to append). */
    private static void applyOperation(JsonNode target, JsonNode op) {
        JsonPointer path = JsonPointer.compile(op.path("path").asText());
        JsonNode parent = target.at(path.head());
        String last = path.last().getMatchingProperty();
        String kind = op.path("op").asText();
        if (parent.isMissingNode()) {
            throw new IllegalArgumentException(kind + " " + path + ": parent does not exist");
        }
        switch (kind) {
            case "add", "replace" -> {
                JsonNode value = op.get("value");
                if (parent instanceof ObjectNode obj) {
                    if (kind.equals("replace") && !obj.has(last)) {
                        throw new IllegalArgumentException("replace " + path + ": nothing to replace");
                    }
                    obj.set(last, value);
                } else if (parent instanceof ArrayNode array) {
                    if (last.equals("-")) {
                        array.add(value);
                    } else if (kind.equals("add")) {
                        array.insert(Integer.parseInt(last), value);
                    } else {
                        array.set(Integer.parseInt(last), value);
                    }
                } else {
                    throw new IllegalArgumentException(kind + " " + path + ": parent is not a container");
                }
            }
            case "remove" -> {
                if (parent instanceof ObjectNode obj && obj.has(last)) {
                    obj.remove(last);
                } else if (parent instanceof ArrayNode array && !last.equals("-")) {
                    array.remove(Integer.parseInt(last));
                } else {
                    throw new IllegalArgumentException("remove " + path + ": nothing to remove");
                }
            }
            default -> throw new IllegalArgumentException("patch op '" + kind + "' is not in the subset");
        }
    }
}
