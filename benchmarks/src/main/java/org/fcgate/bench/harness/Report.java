package org.fcgate.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a {@code bench/run} output directory ({@link RunData}) into {@code results.md} (a table per workload, the
 * idle-connection table, the run's facts), {@code results.tsv} (one line per stack and workload, medians) and the
 * chart's data and gnuplot script ({@link Chart}): {@code java -cp benchmarks.jar org.fcgate.bench.harness.Report
 * OUT_DIR [REFERENCE_STACK]}. The reference stack (default {@code nginx-fpm}) is the "× ref" column.
 */
public final class Report {

    static final String DEFAULT_REFERENCE = "nginx-fpm";

    private Report() {
    }

    public static void main(String[] argv) throws IOException {
        if (argv.length < 1 || argv.length > 2) {
            System.err.println("usage: Report OUT_DIR [REFERENCE_STACK]");
            System.exit(2);
        }
        Path dir = Path.of(argv[0]);
        RunData data = RunData.read(dir);
        String reference = argv.length == 2 ? argv[1] : DEFAULT_REFERENCE;
        Map<String, Map<String, Summary>> summaries = summarise(data);
        Files.writeString(dir.resolve("results.md"), markdown(data, summaries, reference));
        Files.writeString(dir.resolve("results.tsv"), tsv(summaries));
        Chart.write(dir, data, summaries);
        System.out.println("report: " + dir.resolve("results.md"));
    }

    /** workload → stack → summary, both in the order of workloads.tsv and stacks.tsv. */
    static Map<String, Map<String, Summary>> summarise(RunData data) {
        Map<String, Map<String, List<RunData.Sample>>> grouped = data.byStackAndWorkload();
        Map<String, Map<String, Summary>> out = new LinkedHashMap<>();
        for (RunData.Workload w : data.workloads()) {
            Map<String, Summary> row = new LinkedHashMap<>();
            for (RunData.Stack s : data.stacks()) {
                List<RunData.Sample> samples = grouped.getOrDefault(s.id(), Map.of()).get(w.id());
                if (samples != null && !samples.isEmpty()) {
                    row.put(s.id(), Summary.of(samples));
                }
            }
            if (!row.isEmpty()) {
                out.put(w.id(), row);
            }
        }
        return out;
    }

    static String markdown(RunData data, Map<String, Map<String, Summary>> summaries, String reference) {
        StringBuilder md = new StringBuilder();
        md.append("# fcgate benchmark results\n\n");
        for (String line : data.meta()) {
            if (!line.isBlank()) {
                md.append("- ").append(line.strip()).append('\n');
            }
        }
        md.append("""

                Medians over the rounds, with min–max in parentheses when there was more than one. **× ref**: req/s \
                over the reference stack's (`%s`) in the same run. **ceiling**: req/s over the stack's PHP side driven \
                directly over FastCGI (`fpm-direct`, `cgi-direct`). **fair**: (connections ÷ req/s) ÷ p50 — 1.0 when \
                every connection is served alike, well above 1 when some connections wait while others are served. \
                **CPU µs/req**: server CPU time (user + system, the whole process tree, from /proc) per request, as \
                front + PHP. **peak RSS**: the sum over the tree's processes of each one's peak resident set \
                (VmHWM, reset before the run).

                """.formatted(reference));
        for (RunData.Workload w : data.workloads()) {
            Map<String, Summary> row = summaries.get(w.id());
            if (row == null) {
                continue;
            }
            md.append("## ").append(w.id()).append(": ").append(w.description()).append("\n\n");
            md.append("| stack | req/s | × ref | ceiling | p50 ms | p99 ms | max ms | errors | fair "
                    + "| CPU µs/req (front + PHP) | peak RSS MB |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            Summary ref = row.get(reference);
            for (RunData.Stack s : data.stacks()) {
                Summary x = row.get(s.id());
                if (x == null) {
                    continue;
                }
                Optional<Summary> ceiling = s.ceiling().map(row::get);
                md.append("| ").append(s.id()).append(" | ")
                        .append(x.rps().format(0)).append(" | ")
                        .append(ref == null ? "–" : ratio(x.rps().median(), ref.rps().median())).append(" | ")
                        .append(ceiling.map(c -> ratio(x.rps().median(), c.rps().median())).orElse("–"))
                        .append(" | ")
                        .append(ms(x.p50Micros())).append(" | ")
                        .append(ms(x.p99Micros())).append(" | ")
                        .append(Spread.number(x.maxMicros().median() / 1e3, 1)).append(" | ")
                        .append(x.errors() == 0 ? "0" : "**" + x.errors() + "** of " + x.requests()).append(" | ")
                        .append(Spread.number(x.fairness().median(), 2)).append(" | ")
                        .append(Spread.number(x.frontCpuMicros().median(), 0)).append(" + ")
                        .append(Spread.number(x.phpCpuMicros().median(), 0)).append(" | ")
                        .append(Spread.number(x.peakRssMb().median(), 0)).append(" |\n");
            }
            md.append('\n');
        }
        if (!data.idle().isEmpty()) {
            md.append("""
                    ## Idle keep-alive connections

                    Each connection made one request for a static file, then stayed open. Memory is summed over the \
                    stack's process tree (RSS counts shared pages once per process; PSS shares them out), read 2 s \
                    after the last connection was answered. **KB per connection**: private memory (Private_Clean + \
                    Private_Dirty from smaps_rollup) added per held connection, against the same stack at rest after \
                    a warm-up (5 s of keep-alive requests on 8 connections, so that one-off costs such as JIT \
                    compilation or a young heap generation are not charged to the connections). **answered**: one more request \
                    on every held connection, 128 at a time. **peak RSS MB**: the highest RSS of each process over the \
                    whole test, the answer check included, summed over the tree.

                    | stack | connections | held | answered | RSS MB | PSS MB | KB private per connection | peak RSS MB | processes | note |
                    |---|---:|---:|---:|---:|---:|---:|---:|---:|---|
                    """);
            for (RunData.IdleRun r : idleInOrder(data)) {
                md.append("| ").append(r.stack()).append(" | ").append(r.connections()).append(" | ")
                        .append(r.held()).append(" | ")
                        .append(r.answered()).append(r.closedByServer() > 0 ? " (" + r.closedByServer()
                                + " closed by server)" : "").append(" | ")
                        .append(Spread.number(r.rssKb() / 1024.0, 0)).append(" | ")
                        .append(Spread.number(r.pssKb() / 1024.0, 0)).append(" | ")
                        .append(perConnection(r)).append(" | ")
                        .append(r.peakRssKb() > 0 ? Spread.number(r.peakRssKb() / 1024.0, 0) : "–").append(" | ")
                        .append(r.processes()).append(" | ").append(idleNote(r)).append(" |\n");
            }
            md.append('\n');
            String slopes = marginalPerConnection(data);
            if (!slopes.isEmpty()) {
                md.append("""
                        **Between the counts** (private memory at the larger count minus at the smaller, over the \
                        difference in connections held: what is already resident at rest, such as heap a garbage \
                        collector touched during the warm-up, cancels out): \
                        """).append(slopes).append(".\n\n");
            }
        }
        if (!data.failures().isEmpty()) {
            md.append("## Runs that failed\n\n");
            for (String f : data.failures()) {
                md.append("- ").append(f).append('\n');
            }
            md.append('\n');
        }
        return md.toString();
    }

    static String tsv(Map<String, Map<String, Summary>> summaries) {
        StringBuilder t = new StringBuilder("workload\tstack\trounds\trps\trps_min\trps_max\tp50_ms\tp99_ms"
                + "\tp99_min_ms\tp99_max_ms\terrors\trequests\tcpu_us\tphp_cpu_us\tpeak_rss_mb\tfairness\n");
        for (Map.Entry<String, Map<String, Summary>> w : summaries.entrySet()) {
            for (Summary s : w.getValue().values()) {
                t.append(String.format(Locale.ROOT, "%s\t%s\t%d\t%.1f\t%.1f\t%.1f\t%.3f\t%.3f\t%.3f\t%.3f\t%d\t%d"
                                + "\t%.1f\t%.1f\t%.1f\t%.3f%n", w.getKey(), s.stack(), s.rounds(), s.rps().median(),
                        s.rps().min(), s.rps().max(), s.p50Micros().median() / 1e3, s.p99Micros().median() / 1e3,
                        s.p99Micros().min() / 1e3, s.p99Micros().max() / 1e3, s.errors(), s.requests(),
                        s.cpuMicros().median(), s.phpCpuMicros().median(), s.peakRssMb().median(),
                        s.fairness().median()));
            }
        }
        return t.toString();
    }

    /** Per stack with runs at two or more counts: KB of private memory per connection from the smallest to the largest. */
    static String marginalPerConnection(RunData data) {
        List<String> parts = new ArrayList<>();
        Map<String, List<RunData.IdleRun>> byStack = new LinkedHashMap<>();
        for (RunData.IdleRun r : idleInOrder(data)) {
            if (r.held() > 0) {
                byStack.computeIfAbsent(r.stack(), k -> new ArrayList<>()).add(r);
            }
        }
        byStack.forEach((stack, runs) -> {
            RunData.IdleRun low = runs.get(0);
            RunData.IdleRun high = runs.get(runs.size() - 1);
            if (high.held() > low.held()) {
                double kb = (double) (high.privateKb() - low.privateKb()) / (high.held() - low.held());
                parts.add(stack + " " + Spread.number(kb, 1) + " KB (" + low.connections() + " → "
                        + high.connections() + ")");
            }
        });
        return String.join(", ", parts);
    }

    /** Private KB per held connection; "–" when the reading at rest was the larger one (noise, not a saving). */
    private static String perConnection(RunData.IdleRun r) {
        double kb = r.privateKbPerConnection();
        return kb < 0 ? "–" : Spread.number(kb, 1);
    }

    private static String idleNote(RunData.IdleRun r) {
        if (!(r.privateKbPerConnection() < 0)) {
            return r.note();
        }
        String why = "less private memory held than at rest (a collection shrank the heap): see between the counts";
        return r.note().isEmpty() ? why : r.note() + "; " + why;
    }

    /** Idle runs by connection count, then in the order of stacks.tsv. */
    static List<RunData.IdleRun> idleInOrder(RunData data) {
        List<String> order = data.stacks().stream().map(RunData.Stack::id).toList();
        List<RunData.IdleRun> runs = new ArrayList<>(data.idle());
        runs.sort(java.util.Comparator.comparingInt(RunData.IdleRun::connections)
                .thenComparingInt(r -> order.contains(r.stack()) ? order.indexOf(r.stack()) : order.size()));
        return runs;
    }

    private static String ratio(double x, double ref) {
        return ref == 0 ? "–" : String.format(Locale.ROOT, "%.2f", x / ref);
    }

    private static String ms(Spread micros) {
        int decimals = micros.median() >= 100_000 ? 0 : micros.median() >= 10_000 ? 1 : 2;
        return new Spread(micros.median() / 1e3, micros.min() / 1e3, micros.max() / 1e3, micros.count())
                .format(decimals);
    }

    /** For the chart: the stacks that ran {@code workload}, in display order. */
    static List<Summary> row(RunData data, Map<String, Map<String, Summary>> summaries, String workload) {
        List<Summary> out = new ArrayList<>();
        Map<String, Summary> row = summaries.getOrDefault(workload, Map.of());
        for (RunData.Stack s : data.stacks()) {
            if (row.containsKey(s.id())) {
                out.add(row.get(s.id()));
            }
        }
        return out;
    }
}
