package org.fcgate.gateway.support;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Netty leak detection at PARANOID with every reported leak recorded, so a test can assert there were none instead of
 * hoping someone reads the log.
 */
public final class LeakTracker {

    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            @SuppressWarnings("deprecation")
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                       long maxActive) {
                return new ResourceLeakDetector<>(resource, samplingInterval) {
                    @Override
                    protected void reportTracedLeak(String resourceType, String records) {
                        LEAKS.add(resourceType + records);
                        super.reportTracedLeak(resourceType, records);
                    }

                    @Override
                    protected void reportUntracedLeak(String resourceType) {
                        LEAKS.add(resourceType);
                        super.reportUntracedLeak(resourceType);
                    }
                };
            }
        });
    }

    private LeakTracker() {
    }

    /** Call before any Netty buffer is allocated (a static initialiser of the test class). */
    public static void install() {
        // The static initialiser did the work.
    }

    /** Collects garbage and lets the detectors look at it; returns the leaks reported so far. */
    public static List<String> collect() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            // Detectors report when the next tracked object is created.
            ByteBuf probe = PooledByteBufAllocator.DEFAULT.buffer(16);
            probe.release();
            ByteBuf heap = PooledByteBufAllocator.DEFAULT.heapBuffer(16);
            heap.release();
        }
        return List.copyOf(LEAKS);
    }
}
