package org.fcgate.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.fcgate.fcgi.params.Params;

/**
 * A PHP script in a temporary docroot whose output the test can build byte for byte: fixed text, the
 * {@code $_SERVER} values we sent, a parsed query value, the length and SHA-256 of the request body, and with
 * {@code repeat=N} a line of N times {@code fcgate} (a response of many STDOUT records).
 *
 * <p>{@link #params} builds the request the way nginx's {@code /etc/nginx/fastcgi_params} plus Debian's
 * {@code snippets/fastcgi-php.conf} do, so the PHP peers see what they see in production.
 */
public final class PhpInteropScript {

    public static final String SCRIPT_NAME = "/interop.php";
    /** A non-ASCII header value: params are bytes, and PHP must get back exactly the UTF-8 we sent. */
    public static final String X_INTEROP = "grüße ✓ \"quoted\"";
    /** Over 127 bytes, so its length takes the four-byte form (FastCGI 1.0 §3.4). */
    public static final String X_LONG = "L".repeat(300);

    private static final String SCRIPT = """
            <?php
            header('X-Interop: php');
            header('Content-Type: text/plain');
            echo "fcgate interop\\n";
            foreach (['REQUEST_METHOD', 'QUERY_STRING', 'REQUEST_URI', 'SCRIPT_NAME', 'CONTENT_TYPE',
                      'CONTENT_LENGTH', 'HTTP_X_INTEROP'] as $k) {
                echo $k, '=', $_SERVER[$k] ?? '(unset)', "\\n";
            }
            echo 'HTTP_X_LONG-length=', strlen($_SERVER['HTTP_X_LONG'] ?? ''), "\\n";
            echo 'get.greeting=', $_GET['greeting'] ?? '(unset)', "\\n";
            $body = file_get_contents('php://input');
            echo 'body-length=', strlen($body), "\\n";
            echo 'body-sha256=', hash('sha256', $body), "\\n";
            $extra = array_filter(array_keys($_SERVER), fn($k) => str_starts_with($k, 'HTTP_X_EXTRA_'));
            sort($extra, SORT_STRING);
            foreach ($extra as $k) {
                echo $k, '-length=', strlen($_SERVER[$k]), ' sha256=', hash('sha256', $_SERVER[$k]), "\\n";
            }
            if (isset($_GET['repeat'])) {
                echo str_repeat('fcgate', (int) $_GET['repeat']), "\\n";
            }
            """;

    private final Path docroot;

    private PhpInteropScript(Path docroot) {
        this.docroot = docroot;
    }

    /** Writes the script into {@code docroot}. */
    public static PhpInteropScript install(Path docroot) {
        try {
            Files.createDirectories(docroot);
            Files.writeString(docroot.resolve(SCRIPT_NAME.substring(1)), SCRIPT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new PhpInteropScript(docroot);
    }

    /**
     * One request for the script; a GET has no body and sends empty CONTENT_TYPE and CONTENT_LENGTH, as nginx.
     * {@code extraHeaders} are sent as {@code HTTP_X_EXTRA_<NAME>} params after the usual ones; the script prints
     * each one's length and SHA-256, sorted by name.
     */
    public record Request(String method, String query, String contentType, byte[] body,
            Map<String, String> extraHeaders) {

        public Request {
            extraHeaders = Collections.unmodifiableMap(new LinkedHashMap<>(extraHeaders));
        }

        public static Request get(String query) {
            return new Request("GET", query, "", new byte[0], Map.of());
        }

        public static Request post(String query, String contentType, byte[] body) {
            return new Request("POST", query, contentType, body, Map.of());
        }

        /** This request with one more {@code HTTP_X_EXTRA_<name>} param. */
        public Request withExtraHeader(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(extraHeaders);
            more.put("HTTP_X_EXTRA_" + name, value);
            return new Request(method, query, contentType, body, more);
        }

        String contentLength() {
            return method.equals("GET") ? "" : Integer.toString(body.length);
        }

        String uri() {
            return query.isEmpty() ? SCRIPT_NAME : SCRIPT_NAME + "?" + query;
        }

        /** What PHP puts in {@code $_GET[name]}, or {@code null}. */
        String queryValue(String name) {
            for (String pair : query.split("&")) {
                if (pair.startsWith(name + "=")) {
                    return URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
                }
            }
            return null;
        }
    }

    /** The PARAMS nginx would send for {@code request}. */
    public Params params(Request request) {
        Params.Builder params = Params.builder()
                .add("QUERY_STRING", request.query())
                .add("REQUEST_METHOD", request.method())
                .add("CONTENT_TYPE", request.contentType())
                .add("CONTENT_LENGTH", request.contentLength())
                .add("SCRIPT_NAME", SCRIPT_NAME)
                .add("REQUEST_URI", request.uri())
                .add("DOCUMENT_URI", SCRIPT_NAME)
                .add("DOCUMENT_ROOT", docroot.toString())
                .add("SERVER_PROTOCOL", "HTTP/1.1")
                .add("REQUEST_SCHEME", "http")
                .add("GATEWAY_INTERFACE", "CGI/1.1")
                .add("SERVER_SOFTWARE", "fcgate-it")
                .add("REMOTE_ADDR", "127.0.0.1")
                .add("REMOTE_PORT", "40000")
                .add("SERVER_ADDR", "127.0.0.1")
                .add("SERVER_PORT", "8080")
                .add("SERVER_NAME", "localhost")
                .add("REDIRECT_STATUS", "200")
                .add("HTTP_HOST", "localhost")
                .add("SCRIPT_FILENAME", docroot.resolve(SCRIPT_NAME.substring(1)).toString())
                .add("PATH_INFO", "")
                .add("HTTP_X_INTEROP", X_INTEROP)
                .add("HTTP_X_LONG", X_LONG);
        request.extraHeaders().forEach(params::add);
        return params.build();
    }

    /**
     * The whole STDOUT the script writes for {@code request}: PHP's CGI head (headers in the order set, PHP's
     * {@code Content-type} spelling, its default charset appended, CRLF line ends) and then {@link #expectedBody}.
     */
    public byte[] expectedStdout(Request request) {
        String head = "X-Interop: php\r\n"
                + "Content-type: text/plain;charset=UTF-8\r\n"
                + "\r\n";
        return (head + expectedBody(request)).getBytes(StandardCharsets.UTF_8);
    }

    /** The body the script writes for {@code request}. */
    public String expectedBody(Request request) {
        return "fcgate interop\n"
                + "REQUEST_METHOD=" + request.method() + "\n"
                + "QUERY_STRING=" + request.query() + "\n"
                + "REQUEST_URI=" + request.uri() + "\n"
                + "SCRIPT_NAME=" + SCRIPT_NAME + "\n"
                + "CONTENT_TYPE=" + request.contentType() + "\n"
                + "CONTENT_LENGTH=" + request.contentLength() + "\n"
                + "HTTP_X_INTEROP=" + X_INTEROP + "\n"
                + "HTTP_X_LONG-length=" + X_LONG.length() + "\n"
                + "get.greeting=" + Objects.requireNonNullElse(request.queryValue("greeting"), "(unset)") + "\n"
                + "body-length=" + request.body().length + "\n"
                + "body-sha256=" + TestBodies.sha256Hex(request.body()) + "\n"
                + extraHeaderLines(request)
                + (request.queryValue("repeat") == null
                        ? ""
                        : "fcgate".repeat(Integer.parseInt(request.queryValue("repeat"))) + "\n");
    }

    private static String extraHeaderLines(Request request) {
        StringBuilder sb = new StringBuilder();
        // Sorted by name, as the script prints them: $_SERVER's order is not the order params were sent in.
        new TreeMap<>(request.extraHeaders()).forEach((name, value) -> {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            sb.append(name).append("-length=").append(bytes.length)
                    .append(" sha256=").append(TestBodies.sha256Hex(bytes)).append('\n');
        });
        return sb.toString();
    }
}
