package org.fcgate.gateway.fastcgi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link ExternalServersBackend#choose} and {@link ExternalServersBackend#pick}: round-robin among usable servers. */
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

    /** How many of {@code picks} requests each of {@code n} servers gets, one pick after the other. */
    private static int[] shares(int n, int picks, Set<Integer> usable, Set<Integer> free) {
        AtomicInteger cursor = new AtomicInteger();
        int[] got = new int[n];
        for (int i = 0; i < picks; i++) {
            got[ExternalServersBackend.pick(cursor, n, usable::contains, free::contains)]++;
        }
        return got;
    }

    @Test
    void allUpShareAlike() {
        assertThat(shares(3, 600, Set.of(0, 1, 2), Set.of(0, 1, 2))).containsExactly(200, 200, 200);
    }

    @Test
    void oneOfThreeDownTheOtherTwoGetHalfEachNotTwoThirdsAndOneThird() {
        assertThat(shares(3, 600, Set.of(0, 2), Set.of(0, 1, 2))).containsExactly(300, 0, 300);
        assertThat(shares(3, 600, Set.of(1, 2), Set.of(0, 1, 2))).containsExactly(0, 300, 300);
    }

    @Test
    void twoNeighboursDownOfFiveTheThreeOthersGetAThirdEach() {
        assertThat(shares(5, 900, Set.of(0, 3, 4), Set.of(0, 1, 2, 3, 4))).containsExactly(300, 0, 0, 300, 300);
    }

    @Test
    void aServerAtItsCapGivesItsTurnsToAllTheOthersAlike() {
        assertThat(shares(3, 600, Set.of(0, 1, 2), Set.of(1, 2))).containsExactly(0, 300, 300);
    }

    @Test
    void concurrentPicksShareAlike() throws Exception {
        AtomicInteger cursor = new AtomicInteger();
        int[][] got = new int[4][3];
        Thread[] threads = IntStream.range(0, 4).mapToObj(t -> new Thread(() -> {
            for (int i = 0; i < 3000; i++) {
                got[t][ExternalServersBackend.pick(cursor, 3, Set.of(0, 2)::contains, x -> true)]++;
            }
        })).toArray(Thread[]::new);
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        int[] total = new int[3];
        for (int[] g : got) {
            for (int k = 0; k < 3; k++) {
                total[k] += g[k];
            }
        }
        assertThat(total).as("each winner of the cursor moves it past its server").containsExactly(6000, 0, 6000);
    }

    @Test
    void noneUsableLeavesTheCursorWhereItWas() {
        AtomicInteger cursor = new AtomicInteger(2);
        assertThat(ExternalServersBackend.pick(cursor, 3, x -> false, x -> true)).isEqualTo(-1);
        assertThat(cursor.get()).isEqualTo(2);
    }
}
