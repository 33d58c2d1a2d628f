package org.fcgate.gateway.path;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A bounded map that drops its least recently used entries when full, and entries not used within {@code inactive}
 * (nginx's {@code open_file_cache max=N inactive=T}). Shared by the event loops of a configuration, so:
 *
 * <ul>
 *   <li>A hit is a {@link ConcurrentHashMap} read and, at most once per {@link #TOUCH_NANOS} per entry, one write of
 *       its last-use time: no lock, no allocation, and a hot entry read by several loops is not written by each.</li>
 *   <li>Eviction happens on the inserting thread (a miss, which has just done file I/O anyway), never under a lock
 *       others wait for: one inserter at a time wins a flag and evicts; the others insert and go on, so the size may
 *       pass {@code max} by the number of loops inserting at that moment until the next insertion evicts.</li>
 *   <li>It is an approximation of LRU, cheap in the way that matters: when an insertion makes the size pass {@code
 *       max}, entries not used within {@code inactive} go first, then the ones used longest ago, down to {@code max}
 *       minus a sixteenth of it (so the O(max) scan runs once per max/16 insertions, not per insertion). Last-use times
 *       within {@link #TOUCH_NANOS} of each other count as equal.</li>
 *   <li>Entries not used within {@code inactive} are also swept by the first insertion once per {@code inactive}, so
 *       a cache whose files went cold does not keep them until it fills; a lookup never returns one.</li>
 * </ul>
 *
 * <p>Values are dropped, never closed or released: the cache holds no descriptor, and whatever a value lends out
 * (a retained duplicate of its bytes, say) must stay valid after it is evicted. Time is a parameter ({@code now}, from
 * {@link System#nanoTime()}) so tests step a clock.
 */
public final class LruCache<K, V> {

    /** Last-use times closer than this are not written again (1 ms): a hit on a hot entry is a read. */
    public static final long TOUCH_NANOS = 1_000_000;

    private static final class Node<V> {
        final V value;
        volatile long usedNanos;

        Node(V value, long now) {
            this.value = value;
            this.usedNanos = now;
        }
    }

    private final int maxEntries;
    private final int lowWater;
    private final long inactiveNanos;
    private final ConcurrentHashMap<K, Node<V>> map = new ConcurrentHashMap<>();
    private final AtomicBoolean evicting = new AtomicBoolean();
    private volatile long sweptNanos;

    /**
     * @param maxEntries    at least 1
     * @param inactiveNanos an entry not used for this long is gone; positive
     * @param now           the clock's reading at creation (the first sweep is one {@code inactive} later)
     */
    public LruCache(int maxEntries, long inactiveNanos, long now) {
        if (maxEntries < 1 || inactiveNanos <= 0) {
            throw new IllegalArgumentException("cache: max " + maxEntries + " must be at least 1 and inactive "
                    + inactiveNanos + " ns positive");
        }
        this.maxEntries = maxEntries;
        this.lowWater = maxEntries - maxEntries / 16;
        this.inactiveNanos = inactiveNanos;
        this.sweptNanos = now;
    }

    /** The value kept for {@code key}, now marked used; null when there is none or it was not used within inactive. */
    public V get(K key, long now) {
        Node<V> n = map.get(key);
        if (n == null) {
            return null;
        }
        long used = n.usedNanos;
        if (now - used >= inactiveNanos) {
            return null;
        }
        if (now - used >= TOUCH_NANOS) {
            n.usedNanos = now;
        }
        return n.value;
    }

    /** Keeps {@code value} for {@code key} (replacing any), used now; evicts and sweeps as the class says. */
    public void put(K key, V value, long now) {
        Node<V> n = new Node<>(value, now);
        Node<V> old = map.put(key, n);
        boolean full = old == null && map.size() > maxEntries;
        if ((full || now - sweptNanos >= inactiveNanos) && evicting.compareAndSet(false, true)) {
            try {
                sweptNanos = now;
                int left = sweepInactive(now);
                if (left > maxEntries) {
                    evictLeastRecentlyUsed(left - lowWater, n, now);
                }
            } finally {
                evicting.set(false);
            }
        }
    }

    /** Removes {@code key} if it still maps to {@code value} (the same object). */
    public void remove(K key, V value) {
        Node<V> n = map.get(key);
        if (n != null && n.value == value) {
            map.remove(key, n);
        }
    }

    /** Entries held, inactive ones not yet swept included. */
    public int size() {
        return map.size();
    }

    /** Removes entries not used within inactive; returns how many are left. */
    private int sweepInactive(long now) {
        int left = 0;
        for (Map.Entry<K, Node<V>> e : map.entrySet()) {
            Node<V> n = e.getValue();
            if (now - n.usedNanos >= inactiveNanos) {
                map.remove(e.getKey(), n);
            } else {
                left++;
            }
        }
        return left;
    }

    /**
     * Removes the {@code count} entries used longest ago, never {@code keep} (just inserted). An entry used while this
     * runs may survive in place of one that was chosen, so a little fewer may go.
     */
    private void evictLeastRecentlyUsed(int count, Node<V> keep, long now) {
        long[] ages = new long[map.size()];
        int seen = 0;
        for (Node<V> n : map.values()) {
            if (n != keep && seen < ages.length) {
                ages[seen++] = now - n.usedNanos;
            }
        }
        if (seen == 0) {
            return;
        }
        Arrays.sort(ages, 0, seen);
        int k = Math.min(count, seen);
        long threshold = ages[seen - k]; // the k-th oldest age: older ones go, then ties until k are gone
        int ties = 0;
        for (int i = seen - k; i < seen && ages[i] == threshold; i++) {
            ties++;
        }
        for (Map.Entry<K, Node<V>> e : map.entrySet()) {
            Node<V> n = e.getValue();
            if (n == keep) {
                continue;
            }
            long age = now - n.usedNanos;
            if (age > threshold || (age == threshold && ties-- > 0)) {
                map.remove(e.getKey(), n);
            }
        }
    }
}
