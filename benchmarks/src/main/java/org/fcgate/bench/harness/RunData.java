package org.fcgate.bench.harness;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * What {@code bench/run} left in its output directory, read back:
 * <pre>
 *   meta.txt                          "key: value" lines about the run (machine, versions, settings)
 *   stacks.tsv                        id, description, ceiling stack id ("-": none), in display order
 *   workloads.tsv                     id, description, kind (php or static)
 *   raw/round-N/STACK/WORKLOAD.wrk    wrk --latency output          } one of the two
 *   raw/round-N/STACK/WORKLOAD.load   {@link FcgiLoad}'s result      }
 *   raw/round-N/STACK/WORKLOAD.server the server side: cpu_ticks, php_cpu_ticks, clk_tck, peak_rss_kb, connections
 *   raw/round-N/STACK/WORKLOAD.failed why the run did not happen
 *   raw/idle/STACK-N.idle             connection scaling (see {@link IdleRun})
 * </pre>
 */
record RunData(List<String> meta, List<Stack> stacks, List<Workload> workloads, List<Sample> samples,
               List<String> failures, List<IdleRun> idle) {

    record Stack(String id, String description, Optional<String> ceiling) { }

    record Workload(String id, String description, boolean php) { }

    /** The server's side of one run: CPU ticks of the whole process tree, and of its PHP processes. */
    record Server(long cpuTicks, long phpCpuTicks, long clockTicksPerSecond, long peakRssKb, int connections) {

        double cpuMicrosPerRequest(long requests) {
            return requests == 0 ? Double.NaN : cpuTicks * 1e6 / clockTicksPerSecond / requests;
        }

        double phpCpuMicrosPerRequest(long requests) {
            return requests == 0 ? Double.NaN : phpCpuTicks * 1e6 / clockTicksPerSecond / requests;
        }
    }

    record Sample(int round, String stack, String workload, LoadResult load, Server server) { }

    /** One stack holding N idle keep-alive connections; memory in KB, summed over its process tree. */
    /**
     * One connection-scaling run. {@code *Before}: the stack warmed up, at rest; {@code rssKb}, {@code pssKb},
     * {@code privateKb}: with the connections held; {@code peakRssKb}: the tree's peak RSS (VmHWM) over the whole run,
     * the answer check included (0 in files written before it was recorded).
     */
    record IdleRun(String stack, int connections, int held, int answered, int closedByServer, long rssKbBefore,
                   long pssKbBefore, long privateKbBefore, long rssKb, long pssKb, long privateKb, long peakRssKb,
                   int processes, String note) {

        /** Private memory added per held connection, in KB. */
        double privateKbPerConnection() {
            return held == 0 ? Double.NaN : (double) (privateKb - privateKbBefore) / held;
        }
    }

    static RunData read(Path dir) throws IOException {
        List<String> meta = Files.isRegularFile(dir.resolve("meta.txt"))
                ? Files.readAllLines(dir.resolve("meta.txt")) : List.of();
        List<Stack> stacks = new ArrayList<>();
        for (String[] f : tsv(dir.resolve("stacks.tsv"), 3)) {
            // A stack of both the load runs and the idle test (apache-worker) is listed twice: the first one counts.
            if (stacks.stream().noneMatch(s -> s.id().equals(f[0]))) {
                stacks.add(new Stack(f[0], f[1], f[2].equals("-") ? Optional.empty() : Optional.of(f[2])));
            }
        }
        List<Workload> workloads = new ArrayList<>();
        for (String[] f : tsv(dir.resolve("workloads.tsv"), 3)) {
            workloads.add(new Workload(f[0], f[1], f[2].equals("php")));
        }
        List<Sample> samples = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Path raw = dir.resolve("raw");
        if (Files.isDirectory(raw)) {
            try (Stream<Path> files = Files.walk(raw)) {
                for (Path f : files.sorted().toList()) {
                    String name = f.getFileName().toString();
                    if (!f.getParent().getParent().getFileName().toString().startsWith("round-")) {
                        continue;
                    }
                    int round = Integer.parseInt(f.getParent().getParent().getFileName().toString().substring(6));
                    String stack = f.getParent().getFileName().toString();
                    if (name.endsWith(".failed")) {
                        failures.add("round " + round + ", " + stack + ", " + strip(name) + ": "
                                + Files.readString(f).strip());
                    } else if (name.endsWith(".wrk") || name.endsWith(".load")) {
                        samples.add(sample(f, round, stack, strip(name), failures));
                    }
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        samples.removeIf(s -> s == null);
        return new RunData(meta, stacks, workloads, samples, failures, idle(raw.resolve("idle")));
    }

    private static Sample sample(Path f, int round, String stack, String workload, List<String> failures)
            throws IOException {
        String text = Files.readString(f);
        LoadResult load;
        try {
            load = f.toString().endsWith(".wrk") ? WrkOutput.parse(text) : LoadResult.parse(text);
        } catch (IllegalArgumentException e) {
            failures.add("round " + round + ", " + stack + ", " + workload + ": " + f.getFileName() + ": "
                    + e.getMessage());
            return null;
        }
        Path serverFile = f.resolveSibling(workload + ".server");
        Properties p = properties(serverFile);
        Server server = new Server(longOf(p, "cpu_ticks", serverFile), longOf(p, "php_cpu_ticks", serverFile),
                longOf(p, "clk_tck", serverFile), longOf(p, "peak_rss_kb", serverFile),
                (int) longOf(p, "connections", serverFile));
        return new Sample(round, stack, workload, load, server);
    }

    private static List<IdleRun> idle(Path dir) throws IOException {
        List<IdleRun> runs = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return runs;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(x -> x.toString().endsWith(".idle")).sorted().toList()) {
                Properties p = properties(f);
                runs.add(new IdleRun(p.getProperty("stack", strip(f.getFileName().toString())),
                        (int) longOf(p, "connections", f), (int) longOf(p, "held", f), (int) longOf(p, "answered", f),
                        (int) longOf(p, "closed_by_server", f), longOf(p, "rss_kb_before", f),
                        longOf(p, "pss_kb_before", f), longOf(p, "private_kb_before", f), longOf(p, "rss_kb", f),
                        longOf(p, "pss_kb", f), longOf(p, "private_kb", f),
                        Long.parseLong(p.getProperty("peak_rss_kb", "0").trim()), (int) longOf(p, "processes", f),
                        p.getProperty("note", "")));
            }
        }
        return runs;
    }

    /** Samples grouped by stack, then workload, in file order (round order). */
    Map<String, Map<String, List<Sample>>> byStackAndWorkload() {
        Map<String, Map<String, List<Sample>>> m = new LinkedHashMap<>();
        for (Sample s : samples) {
            m.computeIfAbsent(s.stack(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(s.workload(), k -> new ArrayList<>()).add(s);
        }
        return m;
    }

    private static List<String[]> tsv(Path file, int columns) throws IOException {
        List<String[]> rows = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return rows;
        }
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            if (f.length != columns) {
                throw new IOException(file + ": '" + line + "' has " + f.length + " tab-separated fields, not "
                        + columns);
            }
            rows.add(f);
        }
        return rows;
    }

    private static Properties properties(Path file) throws IOException {
        Properties p = new Properties();
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " is missing");
        }
        p.load(new StringReader(Files.readString(file)));
        return p;
    }

    private static long longOf(Properties p, String key, Path file) throws IOException {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new IOException(file + " has no '" + key + "'");
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IOException(file + ": '" + key + "' is not a whole number: " + v, e);
        }
    }

    private static String strip(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot < 0 ? fileName : fileName.substring(0, dot);
    }
}
