package org.fcgate.pool.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineAssemblerTest {
    private final List<LineAssembler.Line> lines = new ArrayList<>();

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private List<String> texts() {
        return lines.stream().map(l -> new String(l.bytes(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void linesSplitAcrossReadsAtEveryOffsetComeOutWhole() {
        byte[] input = b("first line\nsecond\r\nthird");
        for (int split = 0; split <= input.length; split++) {
            lines.clear();
            LineAssembler a = new LineAssembler(8192, lines::add);
            a.feed(input, 0, split);
            a.feed(input, split, input.length - split);
            a.finish();
            assertThat(texts()).as("split at " + split).containsExactly("first line", "second", "third");
        }
    }

    @Test
    void lineAtTheLimitIsKeptAndOnePastIsTruncatedNotWrapped() {
        LineAssembler a = new LineAssembler(80, lines::add);
        a.feed(b("x".repeat(80) + "\n"), 0, 81);
        byte[] longer = b("y".repeat(81 + 1000) + "\nnext\n");
        a.feed(longer, 0, longer.length);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).droppedBytes()).isZero();
        assertThat(lines.get(0).bytes()).hasSize(80);
        assertThat(lines.get(1).bytes()).hasSize(80);
        assertThat(lines.get(1).droppedBytes()).isEqualTo(1001);
        assertThat(new String(lines.get(2).bytes(), StandardCharsets.UTF_8)).isEqualTo("next");
    }
}
