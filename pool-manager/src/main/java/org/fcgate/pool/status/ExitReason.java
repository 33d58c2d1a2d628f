package org.fcgate.pool.status;

/** Why a child left the pool; each has its own counter in {@link PoolCounters}. */
public enum ExitReason {
    /** Served {@code max_requests} (plus jitter). */
    MAX_REQUESTS,
    /** Lived past {@code max_lifetime}. */
    LIFETIME,
    /** VmRSS passed {@code rss_limit_kb} after a request. */
    RSS,
    /** Idle past {@code idle_timeout}, above {@code max_spare_servers}, or above {@code max_children} after a resize. */
    IDLE,
    /** Its request ran past {@code request_timeout}. */
    TIMEOUT,
    /** Died without being told to: signal, non-zero exit, exit during start-up. */
    CRASH,
    /** Exited by itself with status 0 (e.g. php-cgi after PHP_FCGI_MAX_REQUESTS). */
    EXITED,
    /** Did not answer FCGI_GET_VALUES within {@code spawn_timeout}, or its readiness probe failed. */
    SPAWN_FAILED,
    /** Released by its caller as broken (I/O error, abandoned request). */
    BROKEN,
    /** Replaced by a rolling restart. */
    RESTART,
    /** Stopped by drain or shutdown. */
    SHUTDOWN,
    /** Stopped on an operator's request ({@code Pool.stopChild}, the admin listener's {@code kill}). */
    KILLED
}
