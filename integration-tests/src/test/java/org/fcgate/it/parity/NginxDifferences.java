package org.fcgate.it.parity;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The documented differences between {@code $_SERVER} behind nginx 1.22 (Debian's {@code fastcgi_params} plus the
 * operator lines of {@code NginxProcess.startPhp}) and behind {@code fcgate serve}, both in front of the same
 * php-fpm. The same table is in docs/gateway.md, "Differences from nginx" ({@code docsListEveryDifference} checks
 * that). Any variable not listed here must be equal.
 */
final class NginxDifferences {

    /** How the two may differ; checked only when the values are not equal. */
    enum Allowed {
        /** Both set, values may differ. */
        VALUES_DIFFER,
        /** nginx sets it, fcgate does not. */
        NGINX_ONLY,
        /** nginx sets it to the empty string, fcgate does not set it. */
        NGINX_ONLY_EMPTY,
        /** fcgate's backend sets it, nginx's does not (e.g. php-cgi's own environment). */
        FCGATE_ONLY,
        /** A header sent more than once: nginx 1.22 passes each line and PHP keeps the last; fcgate joins them. */
        NGINX_LAST_OF_REPEATED
    }

    /** {@code variable} is a name, or a prefix ending in {@code *} ({@code HTTP_*}). */
    record Difference(String variable, Allowed allowed, String nginx, String fcgate) {

        boolean matches(String name) {
            return variable.endsWith("*") ? name.startsWith(variable.substring(0, variable.length() - 1))
                    : variable.equals(name);
        }
    }

    static final List<Difference> DOCUMENTED = List.of(
            new Difference("SERVER_SOFTWARE", Allowed.VALUES_DIFFER, "nginx/1.22.1", "fcgate/VERSION"),
            new Difference("SERVER_PORT", Allowed.VALUES_DIFFER, "its listen port", "its listen port"),
            new Difference("REMOTE_PORT", Allowed.VALUES_DIFFER, "client port", "client port"),
            new Difference("REQUEST_TIME", Allowed.VALUES_DIFFER, "PHP's clock", "PHP's clock"),
            new Difference("REQUEST_TIME_FLOAT", Allowed.VALUES_DIFFER, "PHP's clock", "PHP's clock"),
            new Difference("HTTP_HOST", Allowed.VALUES_DIFFER,
                    "$host: lower-cased, port dropped (Debian's fastcgi_params)", "the Host header as received"),
            new Difference("REQUEST_SCHEME", Allowed.NGINX_ONLY, "http", "not set (HTTPS=on under TLS)"),
            new Difference("CONTENT_LENGTH", Allowed.NGINX_ONLY_EMPTY, "empty without a body",
                    "only with a body (RFC 3875 §4.1.2)"),
            new Difference("CONTENT_TYPE", Allowed.NGINX_ONLY_EMPTY, "empty without a body",
                    "only with a body (RFC 3875 §4.1.3)"),
            new Difference("REMOTE_USER", Allowed.NGINX_ONLY_EMPTY, "empty without auth_basic", "not set"),
            new Difference("PATH_INFO", Allowed.NGINX_ONLY_EMPTY, "empty without path info",
                    "only with path info (R19)"),
            new Difference("PATH_TRANSLATED", Allowed.NGINX_ONLY, "DOCUMENT_ROOT without path info",
                    "only with path info (R19)"),
            new Difference("DOCUMENT_URI", Allowed.VALUES_DIFFER,
                    "$uri after try_files: the script's path, PATH_INFO cut off", "the whole decoded path"),
            new Difference("HTTP_CONTENT_LENGTH", Allowed.NGINX_ONLY, "the header again (every header is passed)",
                    "only CONTENT_LENGTH (RFC 3875 §4.1.18)"),
            new Difference("HTTP_CONTENT_TYPE", Allowed.NGINX_ONLY, "the header again (every header is passed)",
                    "only CONTENT_TYPE (RFC 3875 §4.1.18)"),
            // Ordered: the exact names above win over this prefix.
            new Difference("HTTP_*", Allowed.NGINX_LAST_OF_REPEATED, "repeated header: the last line (PHP keeps the "
                    + "last of nginx 1.22's separate params)", "joined with \", \" (Cookie: \"; \"), RFC 9110 §5.3 (R19)"));

    /**
     * With {@code --pool 'php-cgi…'}: the pool's environment for php-cgi children, which php-cgi (unlike php-fpm with
     * {@code clear_env}) copies into {@code $_SERVER}. Nothing else of the gateway's environment reaches them.
     */
    static final List<Difference> PHP_CGI_POOL = List.of(
            new Difference("PHP_FCGI_CHILDREN", Allowed.FCGATE_ONLY, "not set", "0 (the pool forks, not php-cgi)"),
            new Difference("PHP_FCGI_MAX_REQUESTS", Allowed.FCGATE_ONLY, "not set",
                    "0 (the pool recycles, not php-cgi)"));

    private NginxDifferences() {
    }

    /**
     * Every variable that differs in a way the table (with {@code extra} first) does not allow, one line each; empty
     * when at parity.
     */
    static List<String> violations(Map<String, Object> nginx, Map<String, Object> fcgate, List<Difference> extra) {
        List<Difference> table = new ArrayList<>(extra);
        table.addAll(DOCUMENTED);
        TreeSet<String> names = new TreeSet<>(nginx.keySet());
        names.addAll(fcgate.keySet());
        List<String> out = new ArrayList<>();
        for (String name : names) {
            Object n = nginx.get(name);
            Object f = fcgate.get(name);
            if (Objects.equals(n, f)) {
                continue;
            }
            Difference d = table.stream().filter(x -> x.matches(name)).findFirst().orElse(null);
            boolean allowed = d != null && switch (d.allowed()) {
                case VALUES_DIFFER -> n != null && f != null;
                case NGINX_ONLY -> n != null && f == null;
                case NGINX_ONLY_EMPTY -> "".equals(n) && f == null;
                case FCGATE_ONLY -> n == null && f != null;
                case NGINX_LAST_OF_REPEATED -> n != null && f != null
                        && (f.toString().endsWith(", " + n) || f.toString().endsWith("; " + n));
            };
            if (!allowed) {
                out.add(name + ": nginx " + show(n) + ", fcgate " + show(f)
                        + (d == null ? " (not a documented difference)" : " (documented as " + d.allowed() + ")"));
            }
        }
        return out;
    }

    private static String show(Object v) {
        return v == null ? "(absent)" : "'" + v + "'";
    }
}
