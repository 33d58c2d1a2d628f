package org.fcgate.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The R15 inputs are what they claim: distinct names, one hash, as sent and in CGI form. */
class CollidingNamesTest {

    @Test
    void eightThousandDistinctNamesShareOneHashAsSentAndAsCgiNames() {
        List<String> names = CollidingNames.of(8_000);
        assertThat(new HashSet<>(names)).hasSize(8_000);
        assertThat(names).allMatch(n -> n.matches("[A-Z0-9]{26}"));
        assertThat(names).extracting(String::hashCode).containsOnly(names.get(0).hashCode());
        assertThat(names).extracting(n -> ("HTTP_" + n).hashCode())
                .containsOnly(("HTTP_" + names.get(0)).hashCode());
    }

    @Test
    void countIsBounded() {
        assertThat(CollidingNames.of(8_192)).hasSize(8_192);
        assertThatThrownBy(() -> CollidingNames.of(8_193)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CollidingNames.of(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
