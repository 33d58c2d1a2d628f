package org.fcgate.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Every default of the gateway, in one place. The config records refer to these names; docs/gateway.md lists them.
 */
public final class GatewayDefaults {

    /** Where {@code fcgate serve} listens when {@code --listen} is not given. */
    public static final String LISTEN_HOST = "127.0.0.1";
    public static final int LISTEN_PORT = 8080;

    /** Request line (method, target, version) in bytes, without CRLF. Past it: 414 (RFC 9110 §15.5.15). */
    public static final int MAX_REQUEST_LINE_BYTES = 8 * 1024;
    /** Header section in bytes, CRLFs included, trailers of a chunked body counted the same way. Past it: 431. */
    public static final int MAX_HEADER_BYTES = 32 * 1024;
    /** Number of header lines. Past it: 431 (RFC 6585 §5). */
    public static final int MAX_HEADER_COUNT = 100;
    /** Request body in bytes. Past it: 413 (RFC 9110 §15.5.14), before the body is read when the length is known. */
    public static final long MAX_BODY_BYTES = 8L * 1024 * 1024;
    /** A chunk-size line (size and extensions) in bytes. Past it: 400. */
    public static final int MAX_CHUNK_LINE_BYTES = 1024;
    /** Connections open at once from one client IP; more are closed at accept (R62). 0: unlimited. */
    public static final int MAX_CONNECTIONS_PER_IP = 256;

    /** Whole request head, from its first byte (or from accept for the first request): slowloris guard. */
    public static final Duration HEADER_TIMEOUT = Duration.ofSeconds(20);
    /** Silence between two reads of a request body. */
    public static final Duration BODY_TIMEOUT = Duration.ofSeconds(30);
    /** An idle keep-alive connection waiting for the first byte of its next request. */
    public static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(60);

    /** Index files tried, in order, for a directory. */
    public static final List<String> INDEX_FILES = List.of("index.html", "index.php");
    /** Extensions a FastCGI script may have (php-fpm's security.limit_extensions). */
    public static final Set<String> SCRIPT_EXTENSIONS = Set.of(".php");
    /** Paths with a segment starting with '.' are answered 404, except {@code /.well-known/}. */
    public static final boolean DENY_DOTFILES = true;
    /** A symlink whose target lies outside the document root is answered 404. */
    public static final boolean ALLOW_SYMLINKS_OUTSIDE_ROOT = false;
    /** Static files go out with sendfile(2) (DefaultFileRegion) unless TLS or compression is in the way. */
    public static final boolean SENDFILE = true;
    /** Compressible files up to this size are gzipped in memory when the client accepts gzip. */
    public static final long GZIP_MAX_FILE_BYTES = 1024 * 1024;
    /** Files smaller than this are not worth compressing. */
    public static final long GZIP_MIN_FILE_BYTES = 256;
    /**
     * A resolved static path (and a small file's bytes and headers) is reused this long (nginx open_file_cache_valid,
     * whose cache is off by default there); zero turns the cache off. See DocumentRoot.
     */
    public static final Duration OPEN_FILE_CACHE_VALID = Duration.ofSeconds(1);
    /** Paths cached per document root (nginx open_file_cache max=N). */
    public static final int OPEN_FILE_CACHE_MAX = 1000;

    /** FastCGI route: read the whole request body before contacting the upstream (nginx fastcgi_request_buffering). */
    public static final boolean FASTCGI_REQUEST_BUFFERING = true;
    /** FastCGI route: read the upstream's response ahead of the client (nginx fastcgi_buffering). */
    public static final boolean FASTCGI_RESPONSE_BUFFERING = true;
    /** FastCGI route: scripts tried for a path ending in '/' (nginx fastcgi_index). */
    public static final List<String> FASTCGI_INDEX_FILES = List.of("index.php");

    /**
     * External FastCGI server: FCGI_KEEP_CONN and connection reuse (nginx fastcgi_keep_conn, off there too). Off because
     * each kept connection pins one php-fpm worker: with more kept connections than {@code pm.max_children}, requests
     * sent on connections still in php-fpm's accept backlog stall until something times out.
     */
    public static final boolean FASTCGI_KEEP_CONN = false;
    /**
     * External FastCGI server: connections per server address, busy and idle (nginx max_conns): the concurrency cap.
     * With keep_conn on it must not exceed the server's pm.max_children (divided by the number of gateways).
     */
    public static final int FASTCGI_MAX_CONNS_PER_SERVER = 32;
    /** External FastCGI server: a kept connection idle this long is closed (nginx upstream keepalive_timeout). */
    public static final Duration FASTCGI_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** External FastCGI server: connect (nginx fastcgi_connect_timeout). */
    public static final Duration FASTCGI_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Managed pool: connect to a leased child's socket (local, so short). */
    public static final Duration POOL_CONNECT_TIMEOUT = Duration.ofSeconds(1);
    /** Managed pool: silence from a child while a response is due; the pool's request_terminate_timeout also applies. */
    public static final Duration POOL_READ_TIMEOUT = Duration.ofSeconds(60);
    /** External FastCGI server: silence while a response is due (nginx fastcgi_read_timeout). */
    public static final Duration FASTCGI_READ_TIMEOUT = Duration.ofSeconds(60);
    /** External FastCGI server: server not taking request bytes (nginx fastcgi_send_timeout). */
    public static final Duration FASTCGI_SEND_TIMEOUT = Duration.ofSeconds(60);

    /**
     * External FastCGI servers: tries per request, the first included, each on another server of the group (nginx
     * fastcgi_next_upstream_tries). Only a request of which nothing was sent, or an idempotent one left without any
     * answer, is tried again.
     */
    public static final int FASTCGI_MAX_TRIES = 2;
    /** External FastCGI servers: consecutive failed requests that eject a server (nginx max_fails); 0: never. */
    public static final int FASTCGI_MAX_FAILS = 1;
    /** External FastCGI servers: an ejected server gets no requests for at least this long (nginx fail_timeout). */
    public static final Duration FASTCGI_FAIL_TIMEOUT = Duration.ofSeconds(10);
    /** Active health check of each external server: from the end of one check to the next (HAProxy inter). */
    public static final Duration HEALTH_CHECK_INTERVAL = Duration.ofSeconds(5);
    /** Active health check: connect and answer within this (HAProxy timeout check). */
    public static final Duration HEALTH_CHECK_TIMEOUT = Duration.ofSeconds(2);
    /** Active health check: consecutive passes that bring a server back (HAProxy rise). */
    public static final int HEALTH_CHECK_RISE = 2;
    /** Active health check: consecutive failures that take a server out (HAProxy fall). */
    public static final int HEALTH_CHECK_FALL = 3;

    private GatewayDefaults() {
    }
}
