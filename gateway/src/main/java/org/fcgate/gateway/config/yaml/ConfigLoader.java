package org.fcgate.gateway.config.yaml;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.fcgate.gateway.accesslog.AccessLogOptions;
import org.fcgate.gateway.admin.AdminConfig;
import org.fcgate.gateway.config.GatewayConfig;
import org.fcgate.gateway.config.UpstreamConfig;
import org.fcgate.gateway.path.DocumentRoot;
import org.fcgate.gateway.route.Route;

/**
 * Reads an fcgate YAML file (docs/configuration.md) into a {@link LoadedConfig}, or reports every error in it.
 *
 * <p>Steps: parse the YAML (a syntax error or a duplicate key stops here, with its line and column); read the top
 * level, the pools, the fastcgi_servers and the routes, each key checked against its section's list (unknown keys
 * are errors) and its type, unit and bounds; check across sections (upstream names, roots that open). Every problem
 * is collected with its key path, so one run of {@code fcgate check} shows them all. The tree is walked by hand
 * rather than bound with databind: databind stops at the first unknown key or bad value.
 */
public final class ConfigLoader {

    private final RootOpener opener;

    private ConfigLoader(RootOpener opener) {
        this.opener = opener;
    }

    /** A loader that opens document roots for real (they must exist). */
    public static ConfigLoader create() {
        return new ConfigLoader(DocumentRoot::open);
    }

    /** A loader with another way of opening document roots (tests of example files). */
    public static ConfigLoader withRootOpener(RootOpener opener) {
        return new ConfigLoader(opener);
    }

    /** Loads {@code file}; relative roots are resolved against the file's directory. */
    public LoadedConfig load(Path file) throws InvalidConfigException {
        return parse(readText(file), file.toAbsolutePath().getParent());
    }

    /** Loads YAML text; relative roots are resolved against {@code baseDir}. */
    public LoadedConfig parse(String yaml, Path baseDir) throws InvalidConfigException {
        Parts parts = parse(yaml, baseDir, true);
        TopLevel settings = parts.settings();
        return new LoadedConfig(new GatewayConfig(settings.listen(), settings.limits(), settings.timeouts(),
                settings.staticOptions(), parts.routes(), settings.serverNames(), parts.upstreams(),
                settings.eventLoops()),
                parts.accessLog(), settings.shutdown(), parts.admin());
    }

    /**
     * Loads {@code file} for {@code fcgate pool}, which runs only its pools: {@code routes} may be left out; the rest
     * of the file, routes included when present, is checked as for {@link #load}, so one file can serve both commands.
     */
    public LoadedPools loadPools(Path file) throws InvalidConfigException {
        return parsePools(readText(file), file.toAbsolutePath().getParent());
    }

    /** {@link #loadPools} for YAML text. */
    public LoadedPools parsePools(String yaml, Path baseDir) throws InvalidConfigException {
        Parts parts = parse(yaml, baseDir, false);
        return new LoadedPools(parts.upstreams().stream()
                .filter(UpstreamConfig.ManagedPool.class::isInstance).map(UpstreamConfig.ManagedPool.class::cast)
                .toList(), parts.settings().shutdown(), parts.admin());
    }

    private static String readText(Path file) throws InvalidConfigException {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new InvalidConfigException(List.of(new ConfigProblem(file.toString(), Optional.empty(),
                    "cannot be read: " + e)));
        }
    }

    /** What a valid file holds, before it becomes a {@link GatewayConfig} (which needs at least one route). */
    private record Parts(TopLevel settings, List<UpstreamConfig> upstreams, List<Route> routes,
                         AccessLogOptions accessLog, AdminConfig admin) {

        Parts with(AccessLogOptions logs, AdminConfig admin) {
            return new Parts(settings, upstreams, routes, logs, admin);
        }
    }

    private Parts parse(String yaml, Path baseDir, boolean routesRequired) throws InvalidConfigException {
        JsonNode tree;
        try {
            YAMLMapper mapper = YAMLMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
            tree = mapper.readTree(yaml);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "file" : "line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new InvalidConfigException(List.of(new ConfigProblem(where, Optional.empty(),
                    "is not valid YAML: " + oneLine(e.getOriginalMessage()))));
        }
        Problems problems = new Problems();
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            problems.missing(routesRequired ? "routes" : "pools", "is required: the file is empty");
            throw new InvalidConfigException(problems.all());
        }
        Optional<Section> top = Section.of(tree, "", TopLevel.KEYS, problems);
        Optional<Parts> parts = top.flatMap(t -> read(t, baseDir, routesRequired, problems));
        AccessLogOptions accessLog = top.map(t -> AccessLogSection.read(t, baseDir))
                .orElse(AccessLogOptions.defaults());
        AdminConfig admin = top.map(t -> AdminSection.read(t, baseDir)).orElse(AdminConfig.off());
        if (problems.size() > 0 || parts.isEmpty()) {
            throw new InvalidConfigException(problems.all());
        }
        return parts.get().with(accessLog, admin);
    }

    /** SnakeYAML's messages quote the input over several lines; an error line keeps only the sentences. */
    private static String oneLine(String message) {
        return String.join(": ", message.replace("field", "key").lines()
                .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                .toList());
    }

    private Optional<Parts> read(Section top, Path baseDir, boolean routesRequired, Problems problems) {
        TopLevel settings = TopLevel.read(top);

        Map<String, JsonNode> pools = top.namedMappings("pools");
        Map<String, JsonNode> servers = top.namedMappings("fastcgi_servers");
        List<UpstreamConfig> upstreams = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : pools.entrySet()) {
            PoolSection.read(e.getKey(), e.getValue(), "pools." + e.getKey(), problems).ifPresent(upstreams::add);
        }
        for (Map.Entry<String, JsonNode> e : servers.entrySet()) {
            String path = "fastcgi_servers." + e.getKey();
            if (pools.containsKey(e.getKey())) {
                problems.missing(path, "has the name of pools." + e.getKey() + "; upstream names must be unique");
                continue;
            }
            FastCgiServerSection.read(e.getKey(), e.getValue(), path, problems).ifPresent(upstreams::add);
        }

        // Names as written, so a route naming a pool that has its own errors is not reported a second time.
        Set<String> names = new LinkedHashSet<>(pools.keySet());
        names.addAll(servers.keySet());
        RouteSection.Context ctx = new RouteSection.Context(settings.root().map(baseDir::resolve), settings.index(),
                settings.allowSymlinksOutsideRoot(), settings.denyDotfiles(), names, baseDir, opener,
                settings.staticOptions());
        List<Route> routes = new ArrayList<>();
        if (!top.has("routes")) {
            if (routesRequired) {
                top.missing("routes", "is required: at least one route");
            }
        } else if (!top.raw("routes").isArray() || top.raw("routes").isEmpty()) {
            top.refuse("routes", "must be a list of at least one route");
        } else {
            JsonNode list = top.raw("routes");
            for (int i = 0; i < list.size(); i++) {
                RouteSection.read(list.get(i), "routes[" + i + "]", ctx, problems).ifPresent(routes::add);
            }
        }
        if (problems.size() > 0) {
            return Optional.empty();
        }
        return Optional.of(new Parts(settings, upstreams, routes, AccessLogOptions.defaults(), AdminConfig.off()));
    }
}
