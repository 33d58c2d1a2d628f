package org.fcgate.gateway.poolserver;

import java.util.Objects;

/**
 * What a configuration reload of {@code fcgate pool} does to one exposed pool name ({@link PoolServer#apply}); the
 * pools are started (and ready) before, the old ones retired after, by the caller.
 */
public sealed interface PoolUpdate {

    /** The pool name concerned. */
    String name();

    /**
     * The same pool (children kept), perhaps with new forwarding settings ({@code connect_timeout}) or a new address
     * (rebound: the new one listens before the old one closes; connections on the old one go on).
     */
    record Keep(ExposedPool next) implements PoolUpdate {
        public Keep {
            Objects.requireNonNull(next, "next");
        }

        @Override
        public String name() {
            return next.pool().name();
        }
    }

    /**
     * A new generation of the pool: new requests go to it, those that had started finish on the old one, which
     * {@link PoolServer#apply} reports as released once they are done. The address may change too.
     */
    record Replace(ExposedPool next) implements PoolUpdate {
        public Replace {
            Objects.requireNonNull(next, "next");
        }

        @Override
        public String name() {
            return next.pool().name();
        }
    }

    /** A pool newly exposed on its address. */
    record Add(ExposedPool next) implements PoolUpdate {
        public Add {
            Objects.requireNonNull(next, "next");
        }

        @Override
        public String name() {
            return next.pool().name();
        }
    }

    /** A pool no longer exposed: its listener closes, its connections close once idle, then it is released. */
    record Remove(String name) implements PoolUpdate {
        public Remove {
            Objects.requireNonNull(name, "name");
        }
    }
}
