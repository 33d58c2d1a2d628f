package org.fcgate.gateway.site;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The generation new requests go to, swapped atomically by a configuration reload, each generation counting its
 * requests in an {@link InFlight} so that the one replaced can be stopped once its last request is over. Used for the
 * gateway's {@link Site} ({@link CurrentSite}) and the pool server's pool generations.
 *
 * <p>Why {@link #enter} re-reads the reference after counting: a request that read the old generation just before
 * {@link #replace} could otherwise count itself in after the old one was found empty and drained. Counting first,
 * then checking that the generation is still current, closes that window (the counter and the reference are both
 * sequentially consistent): either the replacing thread sees the count, or the request sees the new generation and
 * goes there instead.
 *
 * @param <T> what one generation is
 */
public final class CurrentGeneration<T> {

    private final AtomicReference<T> current;
    private final Function<T, InFlight> inFlight;

    /** {@code inFlight}: the counter of a generation (the same one each time it is asked). */
    public CurrentGeneration(T first, Function<T, InFlight> inFlight) {
        this.current = new AtomicReference<>(Objects.requireNonNull(first, "first"));
        this.inFlight = inFlight;
    }

    /** The current generation, for what is decided once per connection; not counted. */
    public T get() {
        return current.get();
    }

    /** The current generation, counted as in use by one request until that request exits its {@link InFlight}. */
    public T enter() {
        while (true) {
            T g = current.get();
            InFlight counter = inFlight.apply(g);
            counter.enter();
            if (current.get() == g) {
                return g;
            }
            counter.exit(); // replaced meanwhile: take the new one
        }
    }

    /**
     * Makes {@code next} the current generation and retires the previous one, which is returned: its
     * {@link InFlight#drained()} completes when its last request has exited.
     */
    public T replace(T next) {
        T previous = current.getAndSet(Objects.requireNonNull(next, "next"));
        inFlight.apply(previous).retire();
        return previous;
    }
}
