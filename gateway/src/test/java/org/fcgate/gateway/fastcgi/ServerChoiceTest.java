package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link ExternalServersBackend#choose}: round-robin among usable servers, capacity first. */
class ServerChoiceTest {

    private static int choose(int n, int start, Set<Integer> usable, Set<Integer> free) {
        return ExternalServersBackend.choose(n, start, usable::contains, free::contains);
    }

    @Test
    void startsAtTheRoundRobinPosition() {
        assertThat(choose(3, 0, Set.of(0, 1, 2), Set.of(0, 1, 2))).isEqualTo(0);
        assertThat(choose(3, 1, Set.of(0, 1, 2), Set.of(0, 1, 2))).isEqualTo(1);
        assertThat(choose(3, 2, Set.of(0, 1, 2), Set.of(0, 1, 2))).isEqualTo(2);
    }

    @Test
    void skipsServersThatAreDownOrAlreadyFailedThisRequest() {
        assertThat(choose(3, 0, Set.of(1, 2), Set.of(0, 1, 2))).isEqualTo(1);
        assertThat(choose(3, 2, Set.of(1), Set.of(0, 1, 2))).as("wraps around").isEqualTo(1);
    }

    @Test
    void prefersAServerWithCapacityElseWaitsAtTheFirstUsable() {
        assertThat(choose(3, 0, Set.of(0, 1, 2), Set.of(2))).isEqualTo(2);
        assertThat(choose(3, 1, Set.of(0, 1, 2), Set.of())).isEqualTo(1);
        assertThat(choose(3, 0, Set.of(1, 2), Set.of(0))).as("a down server's capacity does not count")
                .isEqualTo(1);
    }

    @Test
    void noneUsableIsMinusOne() {
        assertThat(choose(2, 0, Set.of(), Set.of(0, 1))).isEqualTo(-1);
    }
}
