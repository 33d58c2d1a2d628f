package org.fcgate.gateway.path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link LruCache}: which entries go when it is full, inactive ones, and many threads at once. Time is stepped. */
class LruCacheTest {

    private static final long MS = 1_000_000;
    private static final long HOUR = 3_600_000 * MS;

    @Test
    void whenFullTheLeastRecentlyUsedGoesNotTheRecentlyRead() {
        LruCache<String, String> c = new LruCache<>(4, HOUR, 0);
        c.put("a", "A", 0);
        c.put("b", "B", 2 * MS);
        c.put("c", "C", 4 * MS);
        c.put("d", "D", 6 * MS);
        assertThat(c.get("a", 10 * MS)).isEqualTo("A"); // a is now the most recently used

        c.put("e", "E", 12 * MS);

        assertThat(c.size()).isEqualTo(4);
        assertThat(c.get("b", 14 * MS)).isNull();
        assertThat(List.of("a", "c", "d", "e")).allSatisfy(k -> assertThat(c.get(k, 14 * MS)).isNotNull());
    }

    @Test
    void evictionOrderFollowsLastUseNotInsertion() {
        LruCache<Integer, Integer> c = new LruCache<>(3, HOUR, 0);
        c.put(1, 1, 0);
        c.put(2, 2, 2 * MS);
        c.put(3, 3, 4 * MS);
        c.get(2, 6 * MS);
        c.get(1, 8 * MS);
        // last use: 3 (4 ms) < 2 (6 ms) < 1 (8 ms)
        c.put(4, 4, 10 * MS);
        assertThat(c.get(3, 11 * MS)).isNull();
        c.put(5, 5, 12 * MS);
        assertThat(c.get(2, 13 * MS)).isNull();
        c.put(6, 6, 14 * MS);
        assertThat(c.get(1, 15 * MS)).isNull();
        assertThat(List.of(4, 5, 6)).allSatisfy(k -> assertThat(c.get(k, 16 * MS)).isEqualTo(k));
    }

    @Test
    void aLargeCacheEvictsItsOldestSixteenthAtOnceAndKeepsEveryRecentlyUsedEntry() {
        LruCache<Integer, Integer> c = new LruCache<>(64, HOUR, 0);
        for (int i = 0; i < 64; i++) {
            c.put(i, i, i * MS);
        }
        for (int i = 0; i < 16; i++) {
            c.get(i, (100 + i) * MS); // the first sixteen inserted are the most recently used now
        }
        c.put(64, 64, 200 * MS);
        // 65 > 64: down to 64 - 64/16 = 60, so the five used longest ago (16..20) go.
        assertThat(c.size()).isEqualTo(60);
        for (int i = 0; i <= 64; i++) {
            Integer v = c.get(i, 300 * MS);
            if (i >= 16 && i <= 20) {
                assertThat(v).as("entry %d", i).isNull();
            } else {
                assertThat(v).as("entry %d", i).isEqualTo(i);
            }
        }
        for (int i = 65; i < 65 + 4; i++) {
            c.put(i, i, (400 + i) * MS);
        }
        assertThat(c.size()).as("below max again: no eviction for the next four").isEqualTo(64);
    }

    @Test
    void theEntryJustInsertedIsNeverTheOneEvictedEvenOnATie() {
        LruCache<String, String> c = new LruCache<>(1, HOUR, 0);
        c.put("a", "A", 5 * MS);
        c.put("b", "B", 5 * MS);
        assertThat(c.get("b", 5 * MS)).isEqualTo("B");
        assertThat(c.get("a", 5 * MS)).isNull();
        assertThat(c.size()).isEqualTo(1);
    }

    @Test
    void replacingAnEntryEvictsNothing() {
        LruCache<String, String> c = new LruCache<>(2, HOUR, 0);
        c.put("a", "A1", 0);
        c.put("b", "B", 2 * MS);
        c.put("a", "A2", 4 * MS);
        assertThat(c.get("a", 6 * MS)).isEqualTo("A2");
        assertThat(c.get("b", 6 * MS)).isEqualTo("B");
    }

    @Test
    void anEntryNotUsedWithinInactiveIsNeverReturnedAndIsSweptByTheNextInsertion() {
        LruCache<String, String> c = new LruCache<>(100, 100 * MS, 0);
        c.put("cold", "C", 0);
        c.put("hot", "H", 0);
        for (long t = 50; t <= 250; t += 50) {
            assertThat(c.get("hot", t * MS)).isEqualTo("H"); // used every 50 ms: never inactive
        }
        assertThat(c.get("cold", 250 * MS)).isNull();
        assertThat(c.size()).as("not swept before an insertion").isEqualTo(2);

        c.put("new", "N", 260 * MS);

        assertThat(c.size()).isEqualTo(2);
        assertThat(c.get("hot", 270 * MS)).isEqualTo("H");
        assertThat(c.get("new", 270 * MS)).isEqualTo("N");
    }

    @Test
    void aReadJustBeforeInactiveKeepsTheEntry() {
        LruCache<String, String> c = new LruCache<>(10, 100 * MS, 0);
        c.put("a", "A", 0);
        assertThat(c.get("a", 99 * MS)).isEqualTo("A");
        assertThat(c.get("a", 198 * MS)).isEqualTo("A");
        assertThat(c.get("a", 298 * MS)).isNull();
    }

    @Test
    void whenFullInactiveEntriesGoBeforeAnyRecentlyUsedOne() {
        LruCache<Integer, Integer> c = new LruCache<>(4, 100 * MS, 0);
        c.put(1, 1, 0);
        c.put(2, 2, 0);
        c.put(3, 3, 60 * MS);
        c.put(4, 4, 60 * MS);
        c.put(5, 5, 120 * MS); // 1 and 2 inactive: both go, nothing used since 60 ms does
        assertThat(c.size()).isEqualTo(3);
        assertThat(List.of(3, 4, 5)).allSatisfy(k -> assertThat(c.get(k, 130 * MS)).isEqualTo(k));
    }

    @Test
    void aReadWithinATouchIntervalOfTheLastUseIsNotRecorded() {
        LruCache<String, String> c = new LruCache<>(2, HOUR, 0);
        c.put("a", "A", 0);
        c.put("b", "B", 1);
        c.get("a", LruCache.TOUCH_NANOS - 1); // too soon to record: a still looks used at 0
        c.put("c", "C", LruCache.TOUCH_NANOS);
        assertThat(c.get("a", LruCache.TOUCH_NANOS)).isNull();
        assertThat(c.get("b", LruCache.TOUCH_NANOS)).isEqualTo("B");
    }

    @Test
    void removeTakesOnlyTheSameValue() {
        LruCache<String, String> c = new LruCache<>(2, HOUR, 0);
        String v = new String("A");
        c.put("a", v, 0);
        c.remove("a", new String("A"));
        assertThat(c.get("a", 0)).isSameAs(v);
        c.remove("a", v);
        assertThat(c.get("a", 0)).isNull();
    }

    @Test
    void badBoundsAreRefused() {
        assertThatThrownBy(() -> new LruCache<>(0, HOUR, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max 0");
        assertThatThrownBy(() -> new LruCache<>(1, 0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inactive 0");
    }

    /** Seven times in ten one of (at most) 40 hot keys, else one of 1,000 cold ones: the i-th key of stream {@code seed}. */
    private static int key(int i, int seed) {
        return i % 10 < 7 ? 1000 + (i * 7 + seed) % 40 : (i * 31 + seed * 17) % 1000;
    }

    @Test
    void hotKeysStayWhileTenTimesMoreColdKeysChurn() {
        int max = 100;
        int ops = 200_000;
        LruCache<Integer, String> c = new LruCache<>(max, HOUR, 0);
        long now = 0;
        int hotMisses = 0;
        java.util.Set<Integer> hot = new java.util.TreeSet<>();
        for (int i = 0; i < ops; i++) {
            int key = key(i, i % 4);
            now += 100_000;
            if (c.get(key, now) == null) {
                c.put(key, "v" + key, now);
                if (key >= 1000) {
                    hotMisses++;
                }
            }
            if (key >= 1000) {
                hot.add(key);
            }
        }
        // One thread, so the count is exact for this sequence. LRU keeps the hot keys while the cold ones churn:
        // each misses once, the first time. Emptying the cache when full (the old behaviour) drops them with the cold
        // ones, and they miss again after every clear.
        assertThat(hot).as("hot keys").hasSizeGreaterThan(5);
        assertThat(hotMisses).as("misses of hot keys").isEqualTo(hot.size());
        for (int k : hot) {
            assertThat(c.get(k, now)).as("hot key %d", k).isEqualTo("v" + k);
        }
    }

    @Test
    void manyThreadsReadingAndInsertingTenTimesMoreKeysThanItHoldsKeepItBoundedAndCorrect() throws Exception {
        int max = 100;
        int threads = 4;
        int ops = 50_000;
        LruCache<Integer, String> c = new LruCache<>(max, HOUR, 0);
        AtomicLong clock = new AtomicLong(); // every operation of any thread is 100 µs later than the one before
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> hits = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                hits.add(pool.submit(() -> {
                    int hit = 0;
                    for (int i = 0; i < ops; i++) {
                        int key = key(i, seed);
                        long now = clock.addAndGet(100_000);
                        String v = c.get(key, now);
                        if (v == null) {
                            c.put(key, "v" + key, now);
                        } else {
                            assertThat(v).isEqualTo("v" + key);
                            hit++;
                        }
                    }
                    return hit;
                }));
            }
            int total = 0;
            for (Future<Integer> f : hits) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            // How many hit depends on how the threads interleave (the hot-key rule is the single-threaded test's).
            assertThat(total).as("some reads hit").isPositive();
            // One more insertion with no one else inserting brings it under max.
            c.put(-1, "v-1", clock.addAndGet(100_000));
            assertThat(c.size()).isLessThanOrEqualTo(max);
        } finally {
            pool.shutdownNow();
        }
    }
}
