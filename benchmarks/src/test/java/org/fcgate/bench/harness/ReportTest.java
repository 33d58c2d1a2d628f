package org.fcgate.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bench/run output directory made by hand, turned into results.md, results.tsv and the chart's input. */
class ReportTest {

    @TempDir
    Path out;

    @Test
    void tablesRatiosFailuresAndTheChart() throws IOException {
        Files.writeString(out.resolve("meta.txt"), "title: test run\nmachine: 2 CPUs\n");
        Files.writeString(out.resolve("stacks.tsv"), """
                fpm-direct\tphp-fpm alone\t-
                nginx-fpm\tnginx + php-fpm\tfpm-direct
                fcgate-fpm\tfcgate + php-fpm\tfpm-direct
                nginx\tnginx, idle test\t-
                nginx-fpm\tnginx + php-fpm, idle test\t-
                """);
        Files.writeString(out.resolve("workloads.tsv"), "hello\thello.php\tphp\n");
        for (int round = 1; round <= 3; round++) {
            Path nginx = Files.createDirectories(out.resolve("raw/round-" + round + "/nginx-fpm"));
            // the same wrk output three times: 1687.79 req/s, 3384 requests; 78 ticks of CPU = 230.5 us/request
            Files.writeString(nginx.resolve("hello.wrk"), resource("/wrk/hello.txt"));
            Files.writeString(nginx.resolve("hello.server"), server(78, 38, 32));
            Path direct = Files.createDirectories(out.resolve("raw/round-" + round + "/fpm-direct"));
            Files.writeString(direct.resolve("hello.load"), new LoadResult(10_000 * round, 0, 2.0, 5000.0 * round,
                    150, 300, 900, 5000).format());
            Files.writeString(direct.resolve("hello.server"), server(70, 70, 2));
        }
        Path failed = Files.createDirectories(out.resolve("raw/round-1/fcgate-fpm"));
        Files.writeString(failed.resolve("hello.failed"), "GET /hello.php: status 502\n");
        Path idle = Files.createDirectories(out.resolve("raw/idle"));
        Files.writeString(idle.resolve("nginx-1000.idle"), """
                stack=nginx
                connections=1000
                held=1000
                answered=1000
                closed_by_server=0
                rss_kb_before=8000
                pss_kb_before=4000
                private_kb_before=3000
                rss_kb=16000
                pss_kb=7000
                private_kb=3600
                peak_rss_kb=20480
                processes=3
                note=
                """);

        Files.writeString(idle.resolve("nginx-10000.idle"), """
                stack=nginx
                connections=10000
                held=10000
                answered=10000
                closed_by_server=0
                rss_kb_before=9000
                pss_kb_before=5000
                private_kb_before=4000
                rss_kb=26000
                pss_kb=17000
                private_kb=8100
                processes=3
                note=
                """); // written before peak_rss_kb was recorded

        Files.writeString(idle.resolve("fcgate-1000.idle"), """
                stack=fcgate
                connections=1000
                held=1000
                answered=1000
                closed_by_server=0
                rss_kb_before=100000
                pss_kb_before=90000
                private_kb_before=90000
                rss_kb=99000
                pss_kb=89000
                private_kb=88000
                peak_rss_kb=110000
                processes=1
                note=
                """);

        Report.main(new String[] {out.toString()});

        String md = Files.readString(out.resolve("results.md"));
        assertThat(md).contains("- title: test run");
        // fpm-direct: rounds of 5000, 10000, 15000 req/s → median 10 000 (5 000–15 000); nginx 1688 → 0.17 of it
        assertThat(md).contains("| fpm-direct | 10 000 (5 000–15 000) | 5.92 | – |");
        assertThat(md).contains("| nginx-fpm | 1 688 (1 688–1 688) | 1.00 | 0.17 |"); // its ceiling from the first line
        assertThat(md.lines().filter(l -> l.startsWith("| nginx-fpm |"))).hasSize(1); // listed twice, shown once
        assertThat(md).contains("| fcgate | 1000 | 1000 | 1000 | 97 | 87 | – | 107 | 1 | less private memory held than"
                + " at rest");
        assertThat(md).contains("| 118 + 112 |"); // (78 - 38) ticks and 38 ticks of 10 ms over 3384 requests, in us
        assertThat(md).contains("round 1, fcgate-fpm, hello: GET /hello.php: status 502");
        assertThat(md).contains("| nginx | 1000 | 1000 | 1000 | 16 | 7 | 0.6 | 20 | 3 |  |");
        assertThat(md).contains("| nginx | 10000 | 10000 | 10000 | 25 | 17 | 0.4 | – | 3 |  |");
        // (8100 - 3600) KB over 9000 more connections
        assertThat(md).contains("nginx 0.5 KB (1000 → 10000).");

        String tsv = Files.readString(out.resolve("results.tsv"));
        assertThat(tsv.lines()).hasSize(3).anyMatch(l -> l.startsWith("hello\tnginx-fpm\t3\t1687.8\t"));
        assertThat(Files.readString(out.resolve("chart.dat"))).contains("0\tfpm-direct\t10000.0\t5000.0\t15000.0");
        assertThat(Files.readString(out.resolve("chart.gp"))).contains("set output 'chart.svg'",
                "set multiplot layout 2,1 title 'test run'");
    }

    private static String server(long ticks, long phpTicks, int connections) {
        return "cpu_ticks=" + ticks + "\nphp_cpu_ticks=" + phpTicks + "\nclk_tck=100\npeak_rss_kb=65536\n"
                + "connections=" + connections + "\nprocesses=4\n";
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = ReportTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
