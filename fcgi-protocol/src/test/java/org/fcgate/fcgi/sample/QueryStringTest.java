package org.fcgate.fcgi.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QueryStringTest {

    @Test
    void parsesPairsFlagsAndPercentEscapesLastValueWins() {
        QueryString q = QueryString.parse("a=1&echo&&b=x%20y+z&a=2");

        assertThat(q.get("a")).isEqualTo("2");
        assertThat(q.has("echo")).isTrue();
        assertThat(q.get("echo")).isEmpty();
        assertThat(q.get("b")).isEqualTo("x y z");
        assertThat(q.has("c")).isFalse();
    }

    @Test
    void numbersAreCheckedAgainstTheirRange() {
        QueryString q = QueryString.parse("status=99&size=abc&sleep=5");

        assertThat(q.number("sleep", 0, 10)).isEqualTo(5);
        assertThatThrownBy(() -> q.number("status", 200, 999)).hasMessage("status must be 200..999, got 99");
        assertThatThrownBy(() -> q.number("size", 0, 10)).hasMessage("size must be a number, got 'abc'");
    }
}
