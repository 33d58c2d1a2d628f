package org.fcgate.pool.config;

/** Process-manager sizing mode; the names and meanings are php-fpm's {@code pm} values. */
public enum PmMode {
    /** {@code max_children} children at all times. */
    STATIC,
    /** Start {@code start_servers}, keep idle children between {@code min_spare} and {@code max_spare}. */
    DYNAMIC,
    /** No children at rest; spawn on demand; reap after {@code idle_timeout}. */
    ONDEMAND
}
