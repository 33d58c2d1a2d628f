package org.fcgate.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SpreadTest {

    @Test
    void medianOfAnOddCountIsTheMiddleValue() {
        Spread s = Spread.of(List.of(12_410.0, 11_980.0, 12_203.0));

        assertThat(s.median()).isEqualTo(12_203.0);
        assertThat(s.min()).isEqualTo(11_980.0);
        assertThat(s.max()).isEqualTo(12_410.0);
        assertThat(s.format(0)).isEqualTo("12 203 (11 980–12 410)");
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(Spread.of(List.of(4.0, 1.0, 3.0, 2.0)).median()).isEqualTo(2.5);
    }

    @Test
    void oneRoundIsPrintedWithoutARange() {
        assertThat(Spread.of(List.of(1687.79)).format(0)).isEqualTo("1 688");
    }
}
