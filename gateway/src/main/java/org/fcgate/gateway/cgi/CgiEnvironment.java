package org.fcgate.gateway.cgi;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fcgate.fcgi.params.EncodedParams;
import org.fcgate.fcgi.params.Params;
import org.fcgate.fcgi.params.ParamsEncoder;
import org.fcgate.fcgi.protocol.Fcgi;
import org.fcgate.gateway.upstream.UpstreamRequest;

/**
 * Builds the CGI/1.1 meta-variables (RFC 3875 §4.1) of one request as FastCGI PARAMS, nginx's
 * {@code fastcgi_params} plus the safety rules of docs/gateway.md:
 * <ul>
 *   <li>{@code Proxy} is never forwarded, in any case (R17, httpoxy: HTTP_PROXY would become a proxy setting);</li>
 *   <li>header names with '_' are dropped unless allowed ({@code X_Foo} would collide with {@code X-Foo}), and so are
 *       names with characters other than letters, digits, '-' and '_' (nginx {@code ignore_invalid_headers});</li>
 *   <li>every header becomes {@code HTTP_*}, so a client can never set PHP_VALUE, REMOTE_USER or AUTH_TYPE: those
 *       come only from the route's extra params (added last, so they win);</li>
 *   <li>Content-Length and Content-Type are CONTENT_LENGTH and CONTENT_TYPE, set only with a body (RFC 3875 §4.1.2,
 *       §4.1.3); Transfer-Encoding is ours, not the script's;</li>
 *   <li>X-Forwarded-For, X-Real-IP and Forwarded from an untrusted peer are replaced by the gateway's view; behind a
 *       trusted proxy REMOTE_ADDR comes from X-Forwarded-For ({@link TrustedProxies}).</li>
 * </ul>
 * Repeated headers are joined with ", " (RFC 9110 §5.3), repeated Cookie with "; " (RFC 6265 §5.4). Nothing here is
 * logged: HTTP_AUTHORIZATION carries credentials.
 */
public final class CgiEnvironment {

    /** What {@link #build} made. */
    public sealed interface Result {
        /**
         * The params, encoded as they will go on the wire, and the bytes their pairs take there (length prefixes
         * included, record headers not).
         */
        record Built(EncodedParams encoded, long encodedBytes) implements Result {
            /** The pairs decoded back (tests and diagnostics). */
            public Params params() {
                return encoded.toParams();
            }
        }

        /** The params would exceed the limit (or a single pair one record): 431 before any backend contact (R22). */
        record TooLarge(long encodedBytes, int limit) implements Result { }
    }

    // Names of the variables every request carries, encoded once.
    private static final byte[] GATEWAY_INTERFACE = ascii("GATEWAY_INTERFACE");
    private static final byte[] SERVER_SOFTWARE = ascii("SERVER_SOFTWARE");
    private static final byte[] SERVER_NAME = ascii("SERVER_NAME");
    private static final byte[] SERVER_ADDR = ascii("SERVER_ADDR");
    private static final byte[] SERVER_PORT = ascii("SERVER_PORT");
    private static final byte[] SERVER_PROTOCOL = ascii("SERVER_PROTOCOL");
    private static final byte[] REQUEST_METHOD = ascii("REQUEST_METHOD");
    private static final byte[] REQUEST_URI = ascii("REQUEST_URI");
    private static final byte[] DOCUMENT_URI = ascii("DOCUMENT_URI");
    private static final byte[] DOCUMENT_ROOT = ascii("DOCUMENT_ROOT");
    private static final byte[] SCRIPT_NAME = ascii("SCRIPT_NAME");
    private static final byte[] SCRIPT_FILENAME = ascii("SCRIPT_FILENAME");
    private static final byte[] PATH_INFO = ascii("PATH_INFO");
    private static final byte[] PATH_TRANSLATED = ascii("PATH_TRANSLATED");
    private static final byte[] QUERY_STRING = ascii("QUERY_STRING");
    private static final byte[] CONTENT_LENGTH = ascii("CONTENT_LENGTH");
    private static final byte[] CONTENT_TYPE = ascii("CONTENT_TYPE");
    private static final byte[] REMOTE_ADDR = ascii("REMOTE_ADDR");
    private static final byte[] REMOTE_PORT = ascii("REMOTE_PORT");
    private static final byte[] HTTPS = ascii("HTTPS");
    private static final byte[] REDIRECT_STATUS = ascii("REDIRECT_STATUS");
    private static final byte[] HTTP_ = ascii("HTTP_");
    /** First capacity of a request's encoded params: the fixed variables, then a guess per header (they grow). */
    private static final int FIXED_BYTES = 512;
    private static final int BYTES_PER_HEADER = 64;

    private CgiEnvironment() {
    }

    private static byte[] ascii(String name) {
        return name.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * @param contentLength the body length that will be sent as STDIN (known after buffering), 0 without a body
     * @param maxParamsBytes {@code FcgiLimits.maxParamsBytes()}
     */
    public static Result build(UpstreamRequest r, long contentLength, CgiOptions options, int maxParamsBytes) {
        HttpHeaders headers = r.head().headers();
        String root = r.documentRoot().toString();
        Env env = new Env(maxParamsBytes, FIXED_BYTES + 2 * (r.head().uri().length() + root.length())
                + BYTES_PER_HEADER * headers.size());
        InetSocketAddress remote = inet(r.remote());
        InetSocketAddress local = inet(r.local());
        InetAddress peer = remote != null ? remote.getAddress() : null;
        boolean trustedPeer = peer != null && options.trustedProxies().trusts(peer);
        InetAddress client = peer;
        if (trustedPeer && headers.contains("X-Forwarded-For")) {
            client = options.trustedProxies().clientBehind(peer, headers.getAll("X-Forwarded-For"));
        }
        String pathInfo = r.script().pathInfo();

        env.add(GATEWAY_INTERFACE, "CGI/1.1");
        env.add(SERVER_SOFTWARE, options.serverSoftware());
        env.add(SERVER_NAME, options.serverName().orElseGet(() -> serverName(r.host(), local)));
        env.add(SERVER_ADDR, local != null ? local.getAddress().getHostAddress() : "");
        env.add(SERVER_PORT, local != null ? Integer.toString(local.getPort()) : "");
        env.add(SERVER_PROTOCOL, r.head().protocolVersion().text());
        env.add(REQUEST_METHOD, r.head().method().name());
        env.add(REQUEST_URI, requestUri(r.head().uri()));
        env.add(DOCUMENT_URI, r.path().value());
        env.add(DOCUMENT_ROOT, root);
        env.add(SCRIPT_NAME, r.script().scriptName());
        env.add(SCRIPT_FILENAME, r.script().scriptFilename().toString());
        if (!pathInfo.isEmpty()) {
            // RFC 3875 §4.1.5/§4.1.6; absent rather than empty (httpd PR59618, PR61202).
            env.add(PATH_INFO, pathInfo);
            env.add(PATH_TRANSLATED, root + pathInfo);
        }
        env.add(QUERY_STRING, r.query());
        if (contentLength > 0) {
            env.add(CONTENT_LENGTH, Long.toString(contentLength));
            String type = headers.get("Content-Type");
            if (type != null) {
                env.addLatin1(CONTENT_TYPE, type);
            }
        }
        env.add(REMOTE_ADDR, client != null ? client.getHostAddress() : "");
        env.add(REMOTE_PORT, remote != null ? Integer.toString(remote.getPort()) : "");
        if (r.secure()) {
            env.add(HTTPS, "on");
        }
        env.add(REDIRECT_STATUS, "200"); // php-cgi's cgi.force_redirect wants it
        addHeaders(env, headers, options, trustedPeer, peer);
        for (Map.Entry<String, String> e : options.extraParams().entrySet()) {
            env.add(e.getKey().getBytes(StandardCharsets.UTF_8), e.getValue());
        }
        return env.tooLarge ? new Result.TooLarge(env.bytes, maxParamsBytes)
                : new Result.Built(env.params, env.bytes);
    }

    private static void addHeaders(Env env, HttpHeaders headers, CgiOptions options, boolean trustedPeer,
                                   InetAddress peer) {
        int n = headers.size();
        CharSequence[] names = new CharSequence[n];
        CharSequence[] values = new CharSequence[n];
        int kept = 0;
        boolean underscores = options.underscoresInHeaders();
        var it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> h = it.next();
            CharSequence name = h.getKey();
            if (skipped(name) || !validCgiName(name, underscores)) {
                continue;
            }
            for (int i = 0; i < kept; i++) {
                if (sameCgiName(names[i], name)) {
                    addJoinedHeaders(env, headers, options, trustedPeer, peer); // a repeated name: join them
                    return;
                }
            }
            names[kept] = name;
            values[kept++] = h.getValue();
        }
        // Every name once, the common case: each straight into the params, in order, without a name String.
        CgiName cgiName = new CgiName();
        for (int i = 0; i < kept; i++) {
            CharSequence value = !trustedPeer && isForwardingHeader(names[i])
                    ? gatewayView(eq(names[i], "Forwarded"), peer) : values[i];
            env.addHeader(cgiName.of(names[i]), value);
        }
    }

    /** The general case, where a name occurs more than once (or maps to the same CGI name as another). */
    private static void addJoinedHeaders(Env env, HttpHeaders headers, CgiOptions options, boolean trustedPeer,
                                         InetAddress peer) {
        // CGI name -> joined value, in first-occurrence order. No regex: one pass over each name's characters.
        Map<String, StringBuilder> joined = new LinkedHashMap<>();
        List<String> replaced = new ArrayList<>(0);
        var it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> h = it.next();
            CharSequence name = h.getKey();
            if (skipped(name)) {
                continue;
            }
            String cgiName = cgiName(name, options.underscoresInHeaders());
            if (cgiName == null) {
                continue;
            }
            if (!trustedPeer && isForwardingHeader(name)) {
                if (!replaced.contains(cgiName)) {
                    replaced.add(cgiName);
                    joined.put(cgiName, new StringBuilder(gatewayView(cgiName.equals("HTTP_FORWARDED"), peer)));
                }
                continue;
            }
            StringBuilder sb = joined.get(cgiName);
            if (sb == null) {
                joined.put(cgiName, new StringBuilder(h.getValue()));
            } else {
                sb.append(cgiName.equals("HTTP_COOKIE") ? "; " : ", ").append(h.getValue());
            }
        }
        for (Map.Entry<String, StringBuilder> e : joined.entrySet()) {
            env.addLatin1(e.getKey().getBytes(StandardCharsets.ISO_8859_1), e.getValue());
        }
    }

    private static boolean skipped(CharSequence name) {
        return eq(name, "Proxy") || eq(name, "Content-Length") || eq(name, "Content-Type")
                || eq(name, "Transfer-Encoding");
    }

    private static boolean isForwardingHeader(CharSequence name) {
        return eq(name, "X-Forwarded-For") || eq(name, "X-Real-IP") || eq(name, "Forwarded");
    }

    private static String gatewayView(boolean forwarded, InetAddress peer) {
        String addr = peer != null ? peer.getHostAddress() : "unknown";
        if (forwarded) {
            // RFC 7239 §6: an IPv6 node is quoted and bracketed.
            return addr.indexOf(':') >= 0 ? "for=\"[" + addr + "]\"" : "for=" + addr;
        }
        return addr;
    }

    /** {@code X-Foo-Bar} → {@code HTTP_X_FOO_BAR}; null when the name is to be dropped. */
    static String cgiName(CharSequence name, boolean underscores) {
        int n = name.length();
        char[] out = new char[5 + n];
        "HTTP_".getChars(0, 5, out, 0);
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            char o;
            if (c >= 'a' && c <= 'z') {
                o = (char) (c - 32);
            } else if (c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
                o = c;
            } else if (c == '-') {
                o = '_';
            } else if (c == '_' && underscores) {
                o = '_';
            } else {
                return null;
            }
            out[5 + i] = o;
        }
        return new String(out);
    }

    /** Whether {@link #cgiName} keeps {@code name}. */
    static boolean validCgiName(CharSequence name, boolean underscores) {
        int n = name.length();
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
                    || c == '_' && underscores;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Whether two valid names give the same CGI name ({@code X-Foo}, {@code x-foo}, {@code X_FOO}). */
    static boolean sameCgiName(CharSequence a, CharSequence b) {
        int n = a.length();
        if (n != b.length()) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (CgiName.map(a.charAt(i)) != CgiName.map(b.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** A valid header name read as its CGI name after {@code HTTP_}: upper case, '-' as '_'; reused per request. */
    private static final class CgiName implements CharSequence {
        private CharSequence name;

        static char map(char c) {
            return c >= 'a' && c <= 'z' ? (char) (c - 32) : c == '-' ? '_' : c;
        }

        CgiName of(CharSequence headerName) {
            this.name = headerName;
            return this;
        }

        @Override
        public int length() {
            return name.length();
        }

        @Override
        public char charAt(int index) {
            return map(name.charAt(index));
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return toString().substring(start, end);
        }

        @Override
        public String toString() {
            char[] out = new char[name.length()];
            for (int i = 0; i < out.length; i++) {
                out[i] = charAt(i);
            }
            return new String(out);
        }
    }

    private static boolean eq(CharSequence a, String b) {
        if (a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < b.length(); i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y && (x | 0x20) != (y | 0x20)) {
                return false;
            }
        }
        return true;
    }

    /** The Host without its port; for an HTTP/1.0 request without Host, the local address. */
    static String serverName(String host, InetSocketAddress local) {
        if (host == null || host.isEmpty()) {
            return local != null ? local.getAddress().getHostAddress() : "";
        }
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end > 0 ? host.substring(0, end + 1) : host;
        }
        int colon = host.indexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }

    /** The raw target in origin form: an absolute-form target loses its scheme and authority (RFC 9112 §3.2.2). */
    static String requestUri(String target) {
        if (target.startsWith("/")) {
            return target;
        }
        int scheme = target.indexOf("://");
        if (scheme < 0) {
            return target;
        }
        int path = target.indexOf('/', scheme + 3);
        int query = target.indexOf('?', scheme + 3);
        if (path < 0 || query >= 0 && query < path) {
            return "/" + (query >= 0 ? target.substring(query) : "");
        }
        return target.substring(path);
    }

    private static InetSocketAddress inet(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i : null;
    }

    /** The params being built, with their encoded size tracked against the limit. */
    private static final class Env {
        final EncodedParams params;
        final int limit;
        long bytes;
        boolean tooLarge;

        Env(int limit, int initialBytes) {
            this.limit = limit;
            this.params = new EncodedParams(Math.min(initialBytes, limit));
        }

        void add(byte[] name, String value) {
            if (admit(name.length, EncodedParams.utf8Length(value))) {
                params.addUtf8(name, value);
            }
        }

        /** Header values are bytes as received (Netty keeps them as ISO-8859-1 chars). */
        void addLatin1(byte[] name, CharSequence value) {
            if (admit(name.length, EncodedParams.latin1Length(value))) {
                params.addLatin1(name, value);
            }
        }

        /** {@code HTTP_} + {@code cgiName} (ASCII), the header's value as received. */
        void addHeader(CharSequence cgiName, CharSequence value) {
            if (admit(HTTP_.length + cgiName.length(), EncodedParams.latin1Length(value))) {
                params.addLatin1(HTTP_, cgiName, value);
            }
        }

        private boolean admit(int nameLength, int valueLength) {
            long size = ParamsEncoder.pairSize(nameLength, valueLength);
            bytes += size;
            if (size > Fcgi.MAX_CONTENT_LENGTH || bytes > limit) {
                tooLarge = true;
            }
            return !tooLarge;
        }
    }
}
